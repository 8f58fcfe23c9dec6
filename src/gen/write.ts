// Writes the planned identities and bugs into a bare repository through one
// `git fast-import` process: every blob, tree and commit goes into a single
// pack, and refs are written at the end (loose, like git-bug's own updates).

import { spawn } from 'node:child_process';
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

export interface WriteResult {
  commits: number;
}

export async function writeRepository(path: string, identities: readonly IdentityPlan[], bugs: readonly BugPlan[]): Promise<WriteResult> {
  // --force: re-running with the same seed rewrites the same refs
  const child = spawn('git', ['--git-dir', path, 'fast-import', '--quiet', '--done', '--force'], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  // a failing fast-import closes its stdin: report its own error, not EPIPE
  child.stdin.on('error', () => {});

  const w = new StreamWriter(child.stdin);
  let mark = 0;
  let commits = 0;
  const blob = (data: Buffer): number => {
    w.text(`blob\nmark :${++mark}\ndata ${data.length}\n`);
    w.buffer(data);
    w.text('\n');
    return mark;
  };
  const empty = blob(Buffer.alloc(0));
  const commit = (ref: string, time: number, zone: string, parents: number[], files: [number, string][]): number => {
    commits++;
    // git-bug commits with an empty name and email: "committer  <> TIME ZONE"
    let s = `commit ${ref}\nmark :${++mark}\ncommitter <> ${time} ${zone}\ndata 0\n`;
    if (parents.length > 0) s += `from :${parents[0]}\n`;
    for (const p of parents.slice(1)) s += `merge :${p}\n`;
    s += 'deleteall\n';
    for (const [m, name] of files) s += `M 100644 :${m} ${name}\n`;
    w.text(s + '\n');
    return mark;
  };

  const zones = identities.map((i) => i.zone);
  try {
    for (const id of identities) {
      const ref = `refs/identities/${id.id}`;
      // no parent on the first version: an existing ref of that name is replaced
      w.text(`reset ${ref}\n\n`);
      let parent: number[] = [];
      for (const v of id.versions) {
        const b = blob(v.blob!);
        parent = [commit(ref, v.unixTime, id.zone, parent, [[b, 'version']])];
      }
      await w.maybeFlush();
    }
    for (const bug of bugs) {
      const ref = `refs/bugs/${bug.id}`;
      w.text(`reset ${ref}\n\n`);
      const marks: number[] = [];
      for (const p of bug.packs) {
        const b = blob(p.blob);
        const files: [number, string][] = [
          [empty, 'version-4'],
          [b, 'ops'],
          [empty, `edit-clock-${p.editClock}`],
        ];
        if (p.createClock > 0) files.push([empty, `create-clock-${p.createClock}`]);
        marks.push(commit(ref, p.commitTime, zones[p.authorIdx], p.parents.map((i) => marks[i]), files));
      }
      // the ref ends on the last commit written for the bug
      await w.maybeFlush();
    }
    w.text('done\n');
    await w.flush();
  } finally {
    child.stdin.end();
  }
  const code = await exited;
  if (code !== 0) throw new GitCommandError('fast-import', code, stderr);
  return { commits };
}
