// `bugserve gen REPO_PATH --bugs N --identities M --comments K [--seed S] [--packed-refs]`

import { BadRequestError } from '../errors.js';
import { DEFAULT_SEED, generate } from '../gen/generate.js';
import { intValue, UsageError, type CommandSpec, type Parsed } from './args.js';

export const spec: CommandSpec = {
  name: 'gen',
  synopsis: 'REPO_PATH --bugs N --identities M --comments K [options]',
  summary: "Write a deterministic synthetic repository in git-bug's format (for tests and benchmarks).",
  positionals: { min: 1, max: 1, names: 'REPO_PATH' },
  options: [
    { name: 'bugs', type: 'string', value: 'N', help: 'how many bugs (required)' },
    { name: 'identities', type: 'string', value: 'M', help: 'how many identities (required)' },
    { name: 'comments', type: 'string', value: 'K', help: 'average comments per bug (required)' },
    {
      name: 'seed',
      type: 'string',
      value: 'S',
      help: 'random seed: the same seed writes the same repository',
      default: String(DEFAULT_SEED),
    },
    { name: 'packed-refs', type: 'boolean', help: 'write the refs into packed-refs instead of one file per ref (as after git gc)' },
  ],
};

export async function run(p: Parsed): Promise<number> {
  const opts = {
    path: p.positionals[0],
    bugs: intValue(p, 'bugs'),
    identities: intValue(p, 'identities'),
    comments: intValue(p, 'comments'),
    seed: intValue(p, 'seed', DEFAULT_SEED),
    packedRefs: p.values['packed-refs'] === true,
  };
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
    // The generator refuses impossible sizes: that is the caller's mistake.
    if (err instanceof BadRequestError) throw new UsageError(err.message);
    throw err;
  }
}
