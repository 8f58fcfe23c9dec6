// Request-driven git reads (code browsing), beside src/git/run.ts (the
// server's own commands run to completion): every process holds a slot of the
// shared ProcessLimit (the same bound as git over HTTP), has a deadline, and
// keeps at most `maxBytes` of output (past that it is stopped and the result
// says `truncated`). Arguments are never built from raw repository bytes:
// paths travel on stdin or as object ids.

import { spawn } from 'node:child_process';
import { UnavailableError } from '../errors.js';
import type { ProcessLimit } from '../git/process-limit.js';
import { gitEnv as serverGitEnv } from '../git/run.js';

/** What every read needs: the bare repository and the process bound. */
export interface GitTarget {
  gitDir: string;
  limit: ProcessLimit;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface RunOptions {
  input?: Buffer | string;
  /** output kept; more stops the process and sets `truncated` */
  maxBytes: number;
  timeoutMs?: number;
  /** on timeout: 'fail' throws UnavailableError, 'partial' returns what arrived */
  onTimeout?: 'fail' | 'partial';
  /** sees each piece of output as it arrives; returning true stops the process (the caller has what it needs) */
  enough?: (chunk: Buffer) => boolean;
}

export interface RunResult {
  stdout: Buffer;
  /** exit status; null when stopped by us */
  code: number | null;
  stderr: string;
  truncated: boolean;
  timedOut: boolean;
}

/** The git failed for a reason the caller did not expect (logged as a server fault). */
export class GitCommandError extends Error {
  constructor(args: readonly string[], code: number | null, stderr: string) {
    super(`git ${args[0]} exited with ${code}: ${stderr.trim().slice(0, 300)}`);
  }
}

export function gitEnv(): NodeJS.ProcessEnv {
  // The server's git environment (src/git/run.ts), plus: no pager, no replace
  // refs that could make one object read as another, stable messages.
  return { ...serverGitEnv(), GIT_PAGER: 'cat', GIT_NO_REPLACE_OBJECTS: '1', LC_ALL: 'C' };
}

export function gitArgs(gitDir: string, args: readonly string[]): string[] {
  return ['--git-dir', gitDir, '--literal-pathspecs', '-c', 'core.quotePath=true', ...args];
}

/** Runs git and collects its output within the bounds. A non-zero exit is returned, not thrown. */
export async function runBoundedGit(t: GitTarget, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const release = await t.limit.acquire();
  try {
    return await new Promise<RunResult>((resolve, reject) => {
      const child = spawn('git', gitArgs(t.gitDir, args), { env: gitEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      let timedOut = false;
      let stopped = false;
      let stderr = '';
      const stop = () => {
        stopped = true;
        child.kill('SIGKILL');
      };
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      child.stdout.on('data', (chunk: Buffer) => {
        if (stopped) return;
        const room = opts.maxBytes - size;
        if (chunk.length > room) {
          if (room > 0) chunks.push(chunk.subarray(0, room));
          size = opts.maxBytes;
          truncated = true;
          stop();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
        if (opts.enough && opts.enough(chunk)) stop();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 4096) stderr += chunk.toString('utf8');
      });
      // git may exit before reading all of stdin (an unknown object): not an error here.
      child.stdin.on('error', () => undefined);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (timedOut && (opts.onTimeout ?? 'fail') === 'fail') {
          reject(new UnavailableError('reading the repository took too long'));
          return;
        }
        resolve({ stdout: Buffer.concat(chunks, size), code: stopped ? null : code, stderr, truncated, timedOut });
      });
      child.stdin.end(opts.input ?? '');
    });
  } finally {
    release();
  }
}
