// One `git cat-file --batch-command` per page: object headers (`info`) and
// bodies (`contents`) by id, one at a time, over a single process that holds
// one ProcessLimit slot until closed. Only object ids and ref names from
// git's own listing are written to it, never paths (a path may hold a newline).

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { UnavailableError } from '../errors.js';
import type { Release } from '../git/process-limit.js';
import { DEFAULT_TIMEOUT_MS, GitCommandError, gitArgs, gitEnv, type GitTarget } from './run.js';

export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';

export interface ObjectInfo {
  oid: string;
  type: ObjectType;
  size: number;
}

/** What `info` says about a name: found, missing, or (for a short id) ambiguous. */
export type Lookup = ObjectInfo | { missing: true } | { ambiguous: true };

export class ObjectReader {
  private buf: Buffer = Buffer.alloc(0);
  private want: (() => void) | undefined;
  private ended = false;
  private failure: Error | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly release: Release,
    timeoutMs: number,
  ) {
    child.stdout.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      this.wake();
    });
    const end = (err?: Error) => {
      this.ended = true;
      this.failure ??= err;
      clearTimeout(this.timer);
      this.release();
      this.wake();
    };
    child.on('close', () => end(new GitCommandError(['cat-file'], child.exitCode, 'ended early')));
    child.on('error', end);
    child.stdin.on('error', () => undefined);
    this.timer = setTimeout(() => {
      this.failure = new UnavailableError('reading the repository took too long');
      child.kill('SIGKILL');
    }, timeoutMs);
  }

  static async open(t: GitTarget, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ObjectReader> {
    const release = await t.limit.acquire();
    try {
      const child = spawn('git', gitArgs(t.gitDir, ['cat-file', '--batch-command']), { env: gitEnv() });
      return new ObjectReader(child, release, timeoutMs);
    } catch (err) {
      release();
      throw err;
    }
  }

  /** Opens a reader, runs `fn`, always closes it. */
  static async with<T>(t: GitTarget, fn: (r: ObjectReader) => Promise<T>): Promise<T> {
    const r = await ObjectReader.open(t);
    try {
      return await fn(r);
    } finally {
      r.close();
    }
  }

  close(): void {
    if (!this.ended) {
      this.child.stdin.end();
      this.child.kill('SIGKILL');
    }
  }

  private wake(): void {
    const w = this.want;
    this.want = undefined;
    w?.();
  }

  private async until(ready: () => boolean): Promise<void> {
    while (!ready()) {
      if (this.ended) throw this.failure ?? new GitCommandError(['cat-file'], null, 'ended early');
      await new Promise<void>((r) => (this.want = r));
    }
  }

  private async line(): Promise<string> {
    let nl = -1;
    await this.until(() => (nl = this.buf.indexOf(0x0a)) !== -1);
    const text = this.buf.toString('latin1', 0, nl);
    this.buf = this.buf.subarray(nl + 1);
    return text;
  }

  private async bytes(n: number): Promise<Buffer> {
    await this.until(() => this.buf.length >= n);
    const out = Buffer.from(this.buf.subarray(0, n));
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Requests run one after another: each waits for the previous answer. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private static header(name: string, line: string): Lookup {
    if (line.endsWith(' missing')) return { missing: true };
    if (line.endsWith(' ambiguous')) return { ambiguous: true };
    const [oid, type, size] = line.split(' ');
    if (!oid || !type || !size) throw new GitCommandError(['cat-file'], null, `unexpected answer for ${name}: ${line}`);
    return { oid, type: type as ObjectType, size: Number(size) };
  }

  /** `name`: an object id (full or short) or a ref name git listed; never user text with spaces or newlines. */
  info(name: string): Promise<Lookup> {
    if (/[\s]/.test(name)) return Promise.resolve({ missing: true });
    return this.serial(async () => {
      this.child.stdin.write(`info ${name}\n`);
      return ObjectReader.header(name, await this.line());
    });
  }

  /** The body of a full object id known to exist. */
  contents(oid: string): Promise<{ info: ObjectInfo; body: Buffer }> {
    return this.serial(async () => {
      this.child.stdin.write(`contents ${oid}\n`);
      const h = ObjectReader.header(oid, await this.line());
      if (!('oid' in h)) throw new GitCommandError(['cat-file'], null, `object ${oid} vanished`);
      const body = await this.bytes(h.size + 1); // the body and its trailing newline
      return { info: h, body: body.subarray(0, h.size) };
    });
  }
}
