// `bugserve gen REPO_PATH --bugs N --identities M --comments K [--seed S] [--packed-refs]`

import { BadRequestError } from '../errors.js';
import { DEFAULT_SEED, generate } from '../gen/generate.js';
import { intFlag, parseArgs, UsageError } from './args.js';

const USAGE = 'usage: bugserve gen REPO_PATH --bugs N --identities M --comments K [--seed S] [--packed-refs]\n';

export async function gen(args: string[]): Promise<number> {
  let opts;
  try {
    const p = parseArgs(args, ['packed-refs']);
    if (p.positional.length !== 1) throw new UsageError('one REPO_PATH is required');
    opts = {
      path: p.positional[0],
      bugs: intFlag(p, 'bugs'),
      identities: intFlag(p, 'identities'),
      comments: intFlag(p, 'comments'),
      seed: intFlag(p, 'seed', DEFAULT_SEED),
      packedRefs: p.flags.get('packed-refs') === true,
    };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bugserve gen: ${err.message}\n${USAGE}`);
    return 2;
  }
  try {
    const repo = await generate(opts);
    const s = repo.stats;
    process.stdout.write(
      `wrote ${s.bugs} bugs, ${s.identities} identities, ${s.commits} commits, ${s.operations} operations, ` +
        `${s.merges} merges to ${repo.path} (seed ${repo.seed}) in ${s.seconds.toFixed(2)}s ` +
        `(git ${s.gitSeconds.toFixed(2)}s)\n`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof BadRequestError)) throw err;
    process.stderr.write(`bugserve gen: ${err.message}\n${USAGE}`);
    return 2;
  }
}
