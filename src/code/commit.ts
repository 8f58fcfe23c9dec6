// One commit: its headers and message (`cat-file`), the files it changed
// (`diff-tree --raw -z`, exact names) and its unified diff (`diff-tree -p`),
// each bounded: a diff past MAX_DIFF_BYTES is cut and says so.

import { NotFoundError } from '../errors.js';
import type { ObjectReader } from './objects.js';
import { GitCommandError, runBoundedGit, type GitTarget } from './run.js';

export const MAX_DIFF_BYTES = 1024 * 1024;
export const MAX_DIFF_FILES = 1000;

export interface Signature {
  name: string;
  email: string;
  /** ISO time */
  at: string;
}

export interface CommitDetail {
  hash: string;
  tree: string;
  parents: string[];
  author: Signature;
  committer: Signature;
  message: string;
}

export type ChangeStatus = 'added' | 'deleted' | 'modified' | 'type-changed' | 'other';

export interface FileChange {
  /** the path's bytes (the new path, or the old one for a deletion) */
  path: Buffer;
  status: ChangeStatus;
  oldMode: string;
  newMode: string;
  /** present when the patch for this file was read */
  patch?: FilePatch;
}

export interface FilePatch {
  binary: boolean;
  additions: number;
  deletions: number;
  /** unified diff lines from the first @@ on (headers dropped) */
  lines: string[];
}

export interface CommitView {
  commit: CommitDetail;
  files: FileChange[];
  /** more files changed than listed */
  filesTruncated: boolean;
  /** the patch stopped before the last file */
  diffTruncated: boolean;
}

function signature(value: string): Signature {
  const m = /^(.*?) ?<([^>]*)> (\d+) [+-]\d{4}$/.exec(value);
  if (!m) return { name: value, email: '', at: new Date(0).toISOString() };
  return { name: m[1], email: m[2], at: new Date(Number(m[3]) * 1000).toISOString() };
}

export function parseCommitBody(hash: string, body: Buffer): CommitDetail {
  const text = body.toString('utf8');
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const message = split < 0 ? '' : text.slice(split + 2);
  let tree = '';
  const parents: string[] = [];
  let author = signature('');
  let committer = signature('');
  for (const line of head.split('\n')) {
    if (line.startsWith(' ')) continue; // continuation (signatures)
    const sp = line.indexOf(' ');
    const key = line.slice(0, sp);
    const value = line.slice(sp + 1);
    if (key === 'tree') tree = value;
    else if (key === 'parent') parents.push(value);
    else if (key === 'author') author = signature(value);
    else if (key === 'committer') committer = signature(value);
  }
  return { hash, tree, parents, author, committer, message };
}

export async function readCommit(reader: ObjectReader, hash: string): Promise<CommitDetail> {
  const info = await reader.info(hash);
  if (!('oid' in info) || info.type !== 'commit') throw new NotFoundError('commit', hash);
  const { body } = await reader.contents(info.oid);
  return parseCommitBody(info.oid, body);
}

const STATUS: Record<string, ChangeStatus> = { A: 'added', D: 'deleted', M: 'modified', T: 'type-changed' };

/** `diff-tree --raw -z`: ":oldmode newmode old new S\0path\0" per file. */
export function parseRaw(out: Buffer): FileChange[] {
  const files: FileChange[] = [];
  let pos = 0;
  while (pos < out.length) {
    const nul = out.indexOf(0, pos);
    if (nul < 0) break;
    const meta = out.toString('latin1', pos, nul);
    const pathEnd = out.indexOf(0, nul + 1);
    if (pathEnd < 0 || !meta.startsWith(':')) break;
    const [oldMode, newMode, , , status] = meta.slice(1).split(' ');
    files.push({ path: Buffer.from(out.subarray(nul + 1, pathEnd)), status: STATUS[status?.[0] ?? ''] ?? 'other', oldMode, newMode });
    pos = pathEnd + 1;
  }
  return files;
}

/** Splits `diff-tree -p` output into one patch per file, in git's order. */
export function parsePatch(out: Buffer): FilePatch[] {
  const patches: FilePatch[] = [];
  let current: FilePatch | undefined;
  let inHunks = false;
  for (const line of out.toString('utf8').split('\n')) {
    if (line.startsWith('diff --git ')) {
      current = { binary: false, additions: 0, deletions: 0, lines: [] };
      patches.push(current);
      inHunks = false;
      continue;
    }
    if (!current) continue;
    if (!inHunks) {
      if (line.startsWith('@@')) inHunks = true;
      else {
        if (line.startsWith('Binary files ') || line === 'GIT binary patch') current.binary = true;
        continue;
      }
    }
    if (line.startsWith('+')) current.additions++;
    else if (line.startsWith('-')) current.deletions++;
    current.lines.push(line);
  }
  // The text ends with a newline: the last "line" is empty.
  if (current && current.lines.at(-1) === '') current.lines.pop();
  return patches;
}

/** The files and diff of a commit read already (the caller's cat-file is closed: one slot at a time). */
export async function readCommitView(t: GitTarget, commit: CommitDetail): Promise<CommitView> {
  // A merge is shown against its first parent; a root commit against nothing.
  const base = commit.parents.length ? [commit.parents[0], commit.hash] : ['--root', commit.hash];
  const common = ['diff-tree', '--no-commit-id', '-r', '--no-renames', '--no-ext-diff', '--no-textconv', '--no-color'];
  const [raw, patch] = await Promise.all([
    runBoundedGit(t, [...common, '--raw', '-z', ...base], { maxBytes: MAX_DIFF_FILES * 400 }),
    runBoundedGit(t, [...common, '-p', ...base], { maxBytes: MAX_DIFF_BYTES }),
  ]);
  for (const r of [raw, patch]) if (r.code !== 0 && !r.truncated) throw new GitCommandError(['diff-tree'], r.code, r.stderr);
  const files = parseRaw(raw.stdout);
  const filesTruncated = raw.truncated || files.length > MAX_DIFF_FILES;
  if (files.length > MAX_DIFF_FILES) files.length = MAX_DIFF_FILES;
  const patches = parsePatch(patch.stdout);
  // When cut, the last patch read is incomplete: it is kept (marked by the page's note).
  patches.forEach((p, i) => {
    if (files[i]) files[i].patch = p;
  });
  return { commit, files, filesTruncated, diffTruncated: patch.truncated };
}
