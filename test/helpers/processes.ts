// The git processes this test process started, directly or not (http-backend,
// upload-pack, pack-objects ...), read from ps: what a limit on git processes
// is about.

import { execFile } from 'node:child_process';

/** Command lines of every git process descending from this process. */
export function gitDescendants(): Promise<string[]> {
  return new Promise((resolve) =>
    execFile('ps', ['-e', '-o', 'pid=,ppid=,args='], (_e, out) => {
      const rows = String(out)
        .trim()
        .split('\n')
        .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null);
      const mine = new Set([process.pid]);
      for (let grew = true; grew;) {
        grew = false;
        for (const [, pid, ppid] of rows) {
          if (mine.has(Number(ppid)) && !mine.has(Number(pid))) {
            mine.add(Number(pid));
            grew = true;
          }
        }
      }
      resolve(rows.filter(([, pid, , args]) => mine.has(Number(pid)) && /\bgit\b/.test(args)).map((m) => m[3]));
    }),
  );
}

/** Polls gitDescendants until `cond` holds or `ms` pass; returns the last reading. */
export async function waitForGit(cond: (procs: string[]) => boolean, ms = 5_000): Promise<string[]> {
  const deadline = Date.now() + ms;
  let procs = await gitDescendants();
  while (!cond(procs) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    procs = await gitDescendants();
  }
  return procs;
}
