// `bugserve hooks install [--data DIR]`: writes the post-receive hook into
// every repository under DATA/repos (groups included). Safe to run again.

import path from 'node:path';
import { dataDirAt } from '../data/dir.js';
import { BugserveError } from '../errors.js';
import { findRepos } from '../git/repo-path.js';
import { installHook, type InstallResult } from '../hooks/install.js';
import { stringValue, type CommandSpec, type Parsed } from './args.js';

export const spec: CommandSpec = {
  name: 'hooks install',
  synopsis: '[options]',
  summary:
    'Write the post-receive hook into every repository under DATA/repos (an existing hook is kept and still runs). Safe to run again.',
  positionals: { min: 0, max: 0, names: '' },
  options: [{ name: 'data', type: 'string', value: 'DIR', help: 'the data folder', env: 'BUGSERVE_DATA', default: './data' }],
};

const SAID: Record<InstallResult, string> = {
  installed: 'installed',
  'installed-kept-local': 'installed (the existing post-receive hook was kept as post-receive.local and still runs)',
  updated: 'updated',
  unchanged: 'already installed',
};

export async function run(parsed: Parsed): Promise<number> {
  const dataDir = path.resolve(stringValue(parsed, 'data') ?? (process.env.BUGSERVE_DATA || './data'));
  const reposDir = dataDirAt(dataDir).repos;
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
