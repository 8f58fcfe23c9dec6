// `bugserve hooks install [--data DIR]`: writes the post-receive hook into
// every repository under DATA/repos (groups included). Safe to run again.

import path from 'node:path';
import { BugserveError } from '../errors.js';
import { findRepos, installHook, type InstallResult } from '../hooks/install.js';
import { UsageError, parseArgs, stringFlag } from './args.js';

const USAGE = 'usage: bugserve hooks install [--data DIR]\n';

const SAID: Record<InstallResult, string> = {
  installed: 'installed',
  'installed-kept-local': 'installed (the existing post-receive hook was kept as post-receive.local and still runs)',
  updated: 'updated',
  unchanged: 'already installed',
};

export async function hooks(args: string[]): Promise<number> {
  let dataDir: string;
  try {
    const parsed = parseArgs(args);
    if (parsed.positional[0] !== 'install' || parsed.positional.length !== 1) {
      process.stderr.write(USAGE);
      return 2;
    }
    for (const name of parsed.flags.keys()) if (name !== 'data') throw new UsageError(`unknown option --${name}`);
    dataDir = path.resolve(stringFlag(parsed, 'data') ?? (process.env.BUGSERVE_DATA || './data'));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bugserve hooks: ${err.message}\n${USAGE}`);
    return 2;
  }

  const reposDir = path.join(dataDir, 'repos');
  const repos = await findRepos(reposDir);
  if (repos.length === 0) {
    process.stdout.write(`no repositories under ${reposDir}\n`);
    return 0;
  }
  let failed = 0;
  for (const repo of repos) {
    try {
      const result = await installHook(repo.dir, { dataDir });
      process.stdout.write(`${repo.name}: ${SAID[result]}\n`);
    } catch (err) {
      failed++;
      const reason = err instanceof BugserveError || err instanceof Error ? err.message : String(err);
      process.stderr.write(`${repo.name}: not installed: ${reason}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}
