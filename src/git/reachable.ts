// Reads every object reachable from some tips in one stream:
// `git rev-list --objects` piped into `git cat-file --batch --buffer` (one
// shell runs both: see PIPELINE).
// Compiling bugs needs every commit, tree and ops blob of refs/bugs and
// refs/identities; asking for them one by one costs a round trip per object
// and a dependency chain per bug, the stream costs neither.
//
// Two choices here come from profiling a 10,000-bug repository (200k objects,
// 75 MB of output):
// - cat-file writes into an unlinked temporary file, read back in one go.
//   cat-file flushes before every blob and writes the blob separately, so a
//   pipe reached this thread as 50k+ reads of ~1.4 KB each, and those reads
//   cost more CPU than everything else here. A file takes them without
//   waking us. (rev-list still feeds cat-file through a pipe: that one never
//   reaches this thread.)
// - The output is only indexed, not parsed. Parsing 200k objects up front kept
//   them all alive at once, and the garbage collector then cost more than the
//   parsing; an object is now parsed when the reader asks for it, and what the
//   reader builds from it dies young.

import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GitObjectError, type CommitInfo, type ReachableObjects, type TreeEntry } from './store.js';
import { parseCommit, parseTree } from './parse-objects.js';
import { gitEnv } from './run.js';

// Media attachments (the `extra` tree) can be large and are never read: only
// blobs up to this size come along; a larger one is read on demand if needed.
const BLOB_LIMIT = '4m';
const NL = 0x0a;
const SP = 0x20;
const STDERR_KEEP = 2000;

type Kind = 'commit' | 'tree' | 'blob';
const KINDS: readonly string[] = ['commit', 'tree', 'blob'];

/** The objects of one bulk read, parsed on demand. */
export class ObjectMap implements ReachableObjects {
  /** oid -> slot; a slot's body is out[start[slot], start[slot] + size[slot]) */
  private readonly slots = new Map<string, number>();
  // Typed arrays: the collector never scans them.
  private start = new Float64Array(1024);
  private size = new Int32Array(1024);
  private kind = new Uint8Array(1024);
  /**
   * False when git rev-list stopped early (a missing or broken object): the
   * objects here are still right, and single reads find (and report) the rest.
   */
  complete = true;

  /** Indexes `git cat-file --batch` output: "<oid> <type> <size>\n<body>\n", repeated. */
  constructor(private readonly out: Buffer) {
    // The headers are scanned byte by byte: a Buffer.indexOf or toString call
    // per field cost more than the whole scan.
    let pos = 0;
    while (pos < out.length) {
      const oidEnd = scanTo(out, pos, SP);
      if (out[oidEnd] !== SP) throw new GitObjectError('?', 'unexpected cat-file output');
      const kindEnd = scanTo(out, oidEnd + 1, SP);
      const nl = scanTo(out, kindEnd, NL);
      if (nl >= out.length) throw new GitObjectError('?', 'truncated cat-file output');
      const oid = out.toString('latin1', pos, oidEnd);
      if (kindEnd === nl) {
        // "<oid> missing": left out, read (and reported) on demand.
        pos = nl + 1;
        continue;
      }
      const kind = KINDS.indexOf(out.toString('latin1', oidEnd + 1, kindEnd));
      const size = readDecimal(out, kindEnd + 1, nl);
      if (size < 0 || nl + 1 + size >= out.length) throw new GitObjectError(oid, 'truncated cat-file output');
      // A tag is never part of git-bug data.
      if (kind >= 0) {
        const slot = this.slots.size;
        if (slot === this.kind.length) this.grow();
        this.slots.set(oid, slot);
        this.start[slot] = nl + 1;
        this.size[slot] = size;
        this.kind[slot] = kind;
      }
      pos = nl + 1 + size + 1;
    }
  }

  private grow(): void {
    const n = this.kind.length * 2;
    const start = new Float64Array(n);
    const size = new Int32Array(n);
    const kind = new Uint8Array(n);
    start.set(this.start);
    size.set(this.size);
    kind.set(this.kind);
    this.start = start;
    this.size = size;
    this.kind = kind;
  }

  get count(): number {
    return this.slots.size;
  }

  /** undefined when the stream did not have it; throws if it is not a commit. */
  commit(oid: string): CommitInfo | undefined {
    const body = this.body(oid, 'commit');
    return body && parseCommit(oid, body);
  }

  tree(oid: string): TreeEntry[] | undefined {
    const body = this.body(oid, 'tree');
    return body && parseTree(oid, body, oid.length / 2);
  }

  /** A view into the stream's memory: it keeps the whole stream alive. */
  blob(oid: string): Buffer | undefined {
    return this.body(oid, 'blob');
  }

  private body(oid: string, want: Kind): Buffer | undefined {
    const slot = this.slots.get(oid);
    if (slot === undefined) return undefined;
    const found = KINDS[this.kind[slot]];
    if (found !== want) throw new GitObjectError(oid, `expected a ${want}, found a ${found}`);
    return this.out.subarray(this.start[slot], this.start[slot] + this.size[slot]);
  }
}

/** The index of the first `byte` at or after `from` on the current line (the newline's index if none). */
function scanTo(buf: Buffer, from: number, byte: number): number {
  let i = from;
  while (i < buf.length && buf[i] !== byte && buf[i] !== NL) i++;
  return i;
}

/** A non-negative decimal in buf[from, to), or -1. */
function readDecimal(buf: Buffer, from: number, to: number): number {
  if (from >= to || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** A file that disappears when closed: it is unlinked before git writes to it. */
function anonymousFile(): number {
  const dir = mkdtempSync(path.join(tmpdir(), 'bugserve-objects-'));
  try {
    return openSync(path.join(dir, 'out'), 'w+', 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readWhole(fd: number): Buffer {
  const size = fstatSync(fd).size;
  const buf = Buffer.allocUnsafe(size);
  let off = 0;
  while (off < size) {
    const n = readSync(fd, buf, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off);
}

/**
 * The pipeline, run by one shell: starting a process from this one copies its
 * page tables (fork), about 70 µs per MB of a server's memory here, so two git
 * processes started from a server holding a few hundred MB cost ~50 ms; the
 * shell starts both from its own few hundred KB. rev-list's exit status comes
 * back on fd 3. The git directory and the limit are arguments ($1, $2), never
 * part of the script.
 */
const PIPELINE =
  '{ git --git-dir="$1" rev-list --objects --no-object-names --filter=blob:limit="$2" --stdin; echo "$?" >&3; }' +
  ' | git --git-dir="$1" cat-file --batch --buffer';

export function readReachable(gitDir: string, tips: readonly string[]): Promise<ObjectMap> {
  if (tips.length === 0) return Promise.resolve(new ObjectMap(Buffer.alloc(0)));
  const fd = anonymousFile();
  return new Promise<ObjectMap>((resolve, reject) => {
    const pipeline = spawn('sh', ['-c', PIPELINE, 'sh', gitDir, BLOB_LIMIT], { stdio: ['pipe', fd, 'pipe', 'pipe'], env: gitEnv() });
    let stderr = '';
    pipeline.stderr?.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-STDERR_KEEP);
    });
    let revListExit = '';
    pipeline.stdio[3]?.on('data', (b: Buffer) => (revListExit += b.toString()));
    pipeline.stdin?.on('error', () => {});
    pipeline.stdin?.end(tips.join('\n') + '\n');

    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      pipeline.kill();
      reject(err);
    };
    pipeline.on('error', fail);
    // 'close': every stream read, fd 3 included. rev-list stops at the first
    // missing object; cat-file still answers what it was given.
    pipeline.on('close', (code) => {
      if (failed) return;
      if (code !== 0) return fail(new GitObjectError(tips[0], `git cat-file failed (${code}): ${stderr.trim()}`));
      try {
        const objects = new ObjectMap(readWhole(fd));
        objects.complete = revListExit.trim() === '0';
        resolve(objects);
      } catch (err) {
        fail(err as Error);
      }
    });
  }).finally(() => closeSync(fd));
}
