// Writes the planned identities and bugs into a bare repository through one
// `git fast-import` process: every blob, tree and commit goes into a single
// pack, and refs are written at the end (loose, like git-bug's own updates).

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { IdentityPlan } from './identities.js';
import type { BugPlan } from './model.js';

/** A git command that failed: names the command and carries its stderr. */
export class GitCommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`git ${command} failed (exit ${exitCode}): ${stderr.trim().slice(0, 2000)}`);
  }
}

export function runGit(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new GitCommandError(args.join(' '), code, err))));
    // git may exit before reading its input: the exit status reports why, not EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

export async function ensureBareRepo(path: string): Promise<void> {
  if (existsSync(path)) {
    // an existing repository is fine: only the refs written here change
    await runGit(['--git-dir', path, 'rev-parse', '--git-dir']);
    return;
  }
  await runGit(['init', '--quiet', '--bare', path]);
}

/** Buffers the stream and respects back-pressure from fast-import's stdin. */
class StreamWriter {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly sink: NodeJS.WritableStream) {}

  text(s: string): void {
    this.buffer(Buffer.from(s, 'utf8'));
  }

  buffer(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  async maybeFlush(): Promise<void> {
    if (this.size >= 1 << 20) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const data = Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    if (!this.sink.write(data)) await new Promise<void>((r) => this.sink.once('drain', () => r()));
  }
}

/**
 * One `git fast-import` process. Blobs can be sent as soon as they exist (so
 * git compresses them while the rest is still being planned); commits follow
 * once the clocks, which name tree entries, are known.
 */
export class FastImport {
  private readonly w: StreamWriter;
  private readonly exited: Promise<number | null>;
  private stderr = '';
  private mark = 0;
  private emptyMark = 0;
  commits = 0;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code));
    });
    // a failing fast-import closes its stdin: report its own error, not EPIPE
    child.stdin.on('error', () => {});
    this.w = new StreamWriter(child.stdin);
    this.emptyMark = this.blob(Buffer.alloc(0));
  }

  static start(gitDir: string): FastImport {
    // --force: re-running with the same seed rewrites the same refs.
    // Speed over pack size (object ids are the same either way): no deltas,
    // light compression, and a high malloc trim threshold, without which glibc
    // gives memory back after every delta attempt and brk dominates the run.
    const args = ['--git-dir', gitDir, '-c', 'pack.compression=1', 'fast-import', '--quiet', '--done', '--force', '--depth=0'];
    const child = spawn('git', args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, MALLOC_TRIM_THRESHOLD_: '268435456', MALLOC_TOP_PAD_: '67108864' },
    });
    child.stdout.resume();
    return new FastImport(child);
  }

  blob(data: Buffer): number {
    this.w.text(`blob\nmark :${++this.mark}\ndata ${data.length}\n`);
    this.w.buffer(data);
    this.w.text('\n');
    return this.mark;
  }

  /** Starts `ref` afresh: the next commit on it has no parent unless given one. */
  reset(ref: string): void {
    this.w.text(`reset ${ref}\n\n`);
  }

  commit(ref: string, time: number, zone: string, parents: readonly number[], files: ReadonlyArray<readonly [number, string]>): number {
    this.commits++;
    // git-bug commits with an empty name and email: "committer  <> TIME ZONE"
    let s = `commit ${ref}\nmark :${++this.mark}\ncommitter <> ${time} ${zone}\ndata 0\n`;
    if (parents.length > 0) s += `from :${parents[0]}\n`;
    for (const p of parents.slice(1)) s += `merge :${p}\n`;
    s += 'deleteall\n';
    for (const [m, name] of files) s += `M 100644 :${m} ${name}\n`;
    this.w.text(s + '\n');
    return this.mark;
  }

  get empty(): number {
    return this.emptyMark;
  }

  /** Lets fast-import catch up when enough is buffered. */
  async pace(): Promise<void> {
    await this.w.maybeFlush();
  }

  async finish(): Promise<void> {
    this.w.text('done\n');
    await this.w.flush();
    this.child.stdin.end();
    const code = await this.exited;
    if (code !== 0) throw new GitCommandError('fast-import', code, this.stderr);
  }

  /** Stops the process after a failure elsewhere. */
  abort(): void {
    this.child.kill();
  }
}

export function writeIdentity(fi: FastImport, id: IdentityPlan): void {
  const ref = `refs/identities/${id.id}`;
  fi.reset(ref);
  let parent: number[] = [];
  for (const v of id.versions) {
    const b = fi.blob(v.blob!);
    parent = [fi.commit(ref, v.unixTime, id.zone, parent, [[b, 'version']])];
  }
}

/** Sends a bug's pack blobs ahead of its commits, and frees them. */
export function writeBugBlobs(fi: FastImport, bug: BugPlan): void {
  for (const p of bug.packs) {
    p.blobMark = fi.blob(p.blob!);
    p.blob = null;
  }
}

export function writeBugCommits(fi: FastImport, bug: BugPlan, zones: readonly string[]): void {
  const ref = `refs/bugs/${bug.id}`;
  fi.reset(ref);
  const marks: number[] = [];
  for (const p of bug.packs) {
    const files: [number, string][] = [
      [fi.empty, 'version-4'],
      [p.blobMark, 'ops'],
      [fi.empty, `edit-clock-${p.editClock}`],
    ];
    if (p.createClock > 0) files.push([fi.empty, `create-clock-${p.createClock}`]);
    marks.push(
      fi.commit(
        ref,
        p.commitTime,
        zones[p.authorIdx],
        p.parents.map((i) => marks[i]),
        files,
      ),
    );
  }
  // packs are in the order they were made, so the last one is the head the ref ends on
}
