// Timing plain git, for the baselines: what git alone takes for the same data.

import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';

/** Runs `sh -c script` with $1 = gitDir, output to /dev/null; resolves with wall milliseconds. */
export function timeShell(script: string, gitDir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('sh', ['-c', script, 'sh', gitDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${script}: ${err}`))));
  });
}

/** What the bulk reader asks git for: every object reachable from the bug and identity refs. */
export const REACHABLE_SCRIPT =
  'git --git-dir="$1" for-each-ref --format="%(objectname)" refs/bugs/ refs/identities/ | ' +
  'git --git-dir="$1" rev-list --objects --no-object-names --filter=blob:limit=4m --stdin | ' +
  'git --git-dir="$1" cat-file --batch --buffer > /dev/null';

/** C git reading every object of the repository, in pack order. */
export const ALL_OBJECTS_SCRIPT = 'git --git-dir="$1" cat-file --batch-all-objects --batch --unordered > /dev/null';

export function countObjects(gitDir: string): number {
  return execFileSync('git', ['--git-dir', gitDir, 'cat-file', '--batch-all-objects', '--batch-check', '--unordered'], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  })
    .split('\n')
    .filter(Boolean).length;
}
