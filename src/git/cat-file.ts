// GitStore over one long-lived `git cat-file --batch` per repository.
// Requests are pipelined: every read writes its line at once and the answers
// come back in the same order, so throughput is bounded by git, not by round trips.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { BadRequestError, UnavailableError } from '../errors.js';
import { GitObjectError, type CommitInfo, type GitStore, type ReachableObjects, type RefFiles, type TreeEntry } from './store.js';
import { isFullOid, parseCommit, parseTree } from './parse-objects.js';
import { readRefFileParts, usesReftable, withLooseRefs } from './ref-files.js';
import { isBareRepo } from './repo-path.js';
import { readReachable } from './reachable.js';
import { gitEnv, runGitText } from './run.js';

type Kind = 'commit' | 'tree' | 'blob';

interface Request {
  oid: string;
  want: Kind;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** An object body being received: git may split it over many stdout chunks. */
interface Body {
  req: Request;
  type: string;
  need: number; // size + 1 for the newline git prints after every body
  have: number;
  parts: Buffer[];
}

const NL = 0x0a;
const STDERR_KEEP = 2048;
const CLOSE_GRACE_MS = 5000;

/** One running `git cat-file --batch` and the requests it still owes answers to. */
class Batch {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<void>;
  private queue: Request[] = [];
  private head = 0;
  private partial: Buffer | null = null;
  private body: Body | null = null;
  private outgoing: string[] = [];
  private stderr = '';
  private dead: Error | null = null;

  constructor(
    private readonly repoPath: string,
    onExit: () => void,
  ) {
    this.child = spawn('git', [`--git-dir=${repoPath}`, 'cat-file', '--batch'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: gitEnv(),
    });
    this.child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    // EPIPE when git died first: the 'close' handler reports it.
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.on('error', (err) => {
        this.fail(new UnavailableError(`cannot run git cat-file for ${repoPath}: ${err.message}`));
        resolve();
        onExit();
      });
      this.child.on('close', (code, signal) => {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const why = this.stderr.trim();
        this.fail(new UnavailableError(`git cat-file for ${repoPath} ${how}${why ? `: ${why}` : ''}`));
        resolve();
        onExit();
      });
    });
  }

  get pending(): number {
    return this.queue.length - this.head;
  }

  request(oid: string, want: Kind): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.queue.push({ oid, want, resolve, reject });
      // Lines written in the same tick go to git in one write.
      if (this.outgoing.push(oid + '\n') === 1) process.nextTick(() => this.flush());
    });
  }

  /** Asks git to finish: it answers what is queued, then exits on end of input. */
  end(): void {
    this.flush();
    this.child.stdin.end();
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  private flush(): void {
    if (this.outgoing.length === 0) return;
    const text = this.outgoing.join('');
    this.outgoing = [];
    if (!this.dead && this.child.stdin.writable) this.child.stdin.write(text);
  }

  private onData(chunk: Buffer): void {
    let data = chunk;
    if (this.partial) {
      data = Buffer.concat([this.partial, chunk]);
      this.partial = null;
    }
    let pos = 0;
    while (pos < data.length && !this.dead) {
      const body = this.body;
      if (body) {
        const take = Math.min(body.need - body.have, data.length - pos);
        if (body.have === 0 && take === body.need) {
          // The usual case: the whole body sits in this chunk, no copy needed.
          this.body = null;
          this.finish(body, data.subarray(pos, pos + take), true);
        } else {
          body.parts.push(data.subarray(pos, pos + take));
          body.have += take;
          if (body.have === body.need) {
            this.body = null;
            this.finish(body, Buffer.concat(body.parts, body.need), false);
          }
        }
        pos += take;
        continue;
      }
      const nl = data.indexOf(NL, pos);
      if (nl < 0) {
        this.partial = Buffer.from(data.subarray(pos));
        break;
      }
      this.onHeader(data.toString('latin1', pos, nl));
      pos = nl + 1;
    }
  }

  private onHeader(line: string): void {
    const req = this.queue[this.head];
    if (!req) return this.protocolError(`unexpected output "${line}"`);
    const parts = line.split(' ');
    if (parts.length === 2 && parts[0] === req.oid) {
      this.shift();
      req.reject(new GitObjectError(req.oid, parts[1] === 'missing' ? 'object not found' : parts[1]));
      return;
    }
    const size = Number(parts[2]);
    if (parts.length !== 3 || parts[0] !== req.oid || !Number.isSafeInteger(size) || size < 0) {
      return this.protocolError(`unexpected header "${line}" for ${req.oid}`);
    }
    this.body = { req, type: parts[1], need: size + 1, have: 0, parts: [] };
  }

  private finish(body: Body, raw: Buffer, shared: boolean): void {
    if (raw[raw.length - 1] !== NL) return this.protocolError(`object ${body.req.oid} is not followed by a newline`);
    this.shift();
    const { req } = body;
    const content = raw.subarray(0, raw.length - 1);
    if (body.type !== req.want) {
      req.reject(new GitObjectError(req.oid, `expected a ${req.want}, found a ${body.type}`));
      return;
    }
    try {
      if (req.want === 'commit') req.resolve(parseCommit(req.oid, content));
      else if (req.want === 'tree') req.resolve(parseTree(req.oid, content, req.oid.length / 2));
      // A blob may be kept by the caller: don't let it pin a whole stdout chunk.
      else req.resolve(shared ? Buffer.from(content) : content);
    } catch (err) {
      req.reject(err as Error);
    }
  }

  private shift(): void {
    this.head++;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private protocolError(what: string): void {
    this.fail(new UnavailableError(`git cat-file for ${this.repoPath}: ${what}`));
    this.kill();
  }

  /** Rejects everything still owed; later requests fail at once. */
  private fail(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    const owed = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    this.body = null;
    this.partial = null;
    for (const req of owed) req.reject(err);
  }
}

export class CatFileStore implements GitStore {
  private batch: Batch | null = null;
  private closed = false;

  constructor(readonly repoPath: string) {}

  /** The pid of the running git cat-file, if one is running (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.batch?.child.pid;
  }

  readRefFiles(prefix: string): RefFiles | undefined {
    if (this.closed) throw new UnavailableError(`the git store of ${this.repoPath} is closed`);
    checkRefPrefix(prefix);
    if (!isBareRepo(this.repoPath) || usesReftable(this.repoPath)) return undefined;
    try {
      return readRefFileParts(this.repoPath, prefix);
    } catch (err) {
      throw new UnavailableError(`cannot list ${prefix} in ${this.repoPath}: ${(err as Error).message}`);
    }
  }

  async listRefs(prefix: string): Promise<ReadonlyMap<string, string>> {
    // The ref files read directly (ref-files.ts); git where they cannot answer.
    const files = this.readRefFiles(prefix);
    if (files) return withLooseRefs(files.packed, files.loose);
    const out = await runGitText(['for-each-ref', '--format=%(objectname) %(refname)', prefix], { gitDir: this.repoPath });
    const refs = new Map<string, string>();
    for (const line of out.split('\n')) {
      const sp = line.indexOf(' ');
      if (sp < 0) continue;
      const name = line.slice(sp + 1);
      // for-each-ref also matches a pattern as a glob; keep only true prefix matches.
      if (name.startsWith(prefix)) refs.set(name, line.slice(0, sp));
    }
    return refs;
  }

  readCommit(oid: string): Promise<CommitInfo> {
    return this.read(oid, 'commit') as Promise<CommitInfo>;
  }

  readReachable(tips: string[]): Promise<ReachableObjects> {
    if (this.closed) throw new UnavailableError(`the git store of ${this.repoPath} is closed`);
    return readReachable(this.repoPath, tips);
  }

  readTree(oid: string): Promise<TreeEntry[]> {
    return this.read(oid, 'tree') as Promise<TreeEntry[]>;
  }

  readBlob(oid: string): Promise<Buffer> {
    return this.read(oid, 'blob') as Promise<Buffer>;
  }

  async close(): Promise<void> {
    this.closed = true;
    const batch = this.batch;
    if (!batch) return;
    batch.end();
    const timer = setTimeout(() => batch.kill(), CLOSE_GRACE_MS);
    await batch.exited;
    clearTimeout(timer);
  }

  private read(oid: string, want: Kind): Promise<unknown> {
    if (this.closed) return Promise.reject(new UnavailableError(`the git store of ${this.repoPath} is closed`));
    // Anything but a full id would be read by git as a revision ("HEAD", "a^{tree}", a newline...).
    if (!isFullOid(oid)) return Promise.reject(new GitObjectError(oid, 'not a full object id'));
    if (!this.batch) {
      const batch: Batch = new Batch(this.repoPath, () => {
        // A dead process is replaced on the next read.
        if (this.batch === batch) this.batch = null;
      });
      this.batch = batch;
    }
    return this.batch.request(oid, want);
  }
}

/** Only plain ref prefixes: no option-looking or glob text reaches git. */
export function checkRefPrefix(prefix: string): void {
  if (!prefix.startsWith('refs/') || /[\s*?[\\^~:]|\.\./.test(prefix)) {
    throw new BadRequestError(`not a plain ref prefix: "${prefix}"`);
  }
}
