// The README of a repository's default branch (HEAD), read with git itself.
// Async child processes keep the main thread free; size and time are bounded.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ByteLru } from '../cache/byte-lru.js';
import { GitRunError, runGit } from '../git/run.js';

export interface Readme {
  name: string;
  /** the blob's id: the same id is the same text */
  blob: string;
  text: string;
  /** true for README.md / .markdown, rendered as Markdown; otherwise shown as plain text */
  markdown: boolean;
  truncated: boolean;
}

const MAX_README_BYTES = 512 * 1024;
const GIT_TIMEOUT_MS = 5_000;
// Preferred names first; matching is case-insensitive.
const NAMES = ['readme.md', 'readme.markdown', 'readme', 'readme.txt', 'readme.rst'];

function git(gitDir: string, args: string[], maxBuffer: number): Promise<Buffer> {
  return runGit(args, { gitDir, maxBuffer, timeoutMs: GIT_TIMEOUT_MS });
}

/**
 * The commit HEAD names, read from the ref files (a symbolic HEAD, then a
 * loose ref or packed-refs); undefined when that is not plain (reftable, a
 * broken ref): the caller then asks git.
 */
async function headCommit(gitDir: string): Promise<string | undefined> {
  try {
    const head = (await readFile(path.join(gitDir, 'HEAD'), 'utf8')).trim();
    if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(head)) return head;
    const ref = /^ref: (refs\/heads\/[^\s]+)$/.exec(head)?.[1];
    if (!ref || ref.split('/').includes('..')) return undefined;
    const loose = await readFile(path.join(gitDir, ref), 'utf8').catch(() => undefined);
    if (loose !== undefined) return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(loose.trim()) ? loose.trim() : undefined;
    const packed = await readFile(path.join(gitDir, 'packed-refs'), 'utf8').catch(() => '');
    for (const line of packed.split('\n')) if (line.endsWith(' ' + ref)) return line.slice(0, line.indexOf(' '));
    return undefined;
  } catch {
    return undefined;
  }
}

// The README read at a commit, by repository: a repository page view then
// costs a few file reads instead of two git processes.
const kept = new ByteLru<{ commit: string; readme: Readme | undefined }>(16 * 1024 * 1024);

/** The README at HEAD, or undefined when the repository is empty or has none. */
export async function readReadme(gitDir: string): Promise<Readme | undefined> {
  const commit = await headCommit(gitDir);
  const hit = commit ? kept.get(gitDir) : undefined;
  if (hit && hit.commit === commit) return hit.readme;
  // Read at the commit seen, so what is kept matches its key even if HEAD moves meanwhile.
  const readme = await readAt(gitDir, commit ?? 'HEAD');
  if (commit) kept.set(gitDir, { commit, readme }, 2 * (gitDir.length + (readme?.text.length ?? 0)) + 256);
  return readme;
}

async function readAt(gitDir: string, rev: string): Promise<Readme | undefined> {
  let listing: string;
  try {
    listing = (await git(gitDir, ['ls-tree', '-z', rev], 4 * 1024 * 1024)).toString('utf8');
  } catch {
    return undefined; // no HEAD commit yet
  }
  // "<mode> blob <id>\t<name>" each
  const files = new Map<string, string>();
  for (const line of listing.split('\0')) {
    const m = /^\d+ blob ([0-9a-f]+)\t(.+)$/s.exec(line);
    if (m) files.set(m[2], m[1]);
  }
  let name: string | undefined;
  for (const wanted of NAMES) {
    name = [...files.keys()].find((f) => f.toLowerCase() === wanted);
    if (name) break;
  }
  if (!name) return undefined;
  const blobId = files.get(name)!;
  let blob: Buffer;
  let truncated = false;
  try {
    // The blob git's own listing of the tree names.
    blob = await git(gitDir, ['cat-file', 'blob', blobId], MAX_README_BYTES + 1);
  } catch (err) {
    // On an overflow git's first bytes still arrive: show them, marked as cut.
    if (!(err instanceof GitRunError && err.overflow)) return undefined;
    blob = err.stdout;
    truncated = true;
  }
  if (blob.length > MAX_README_BYTES) {
    blob = blob.subarray(0, MAX_README_BYTES);
    truncated = true;
  }
  return { name, blob: blobId, text: blob.toString('utf8'), markdown: /\.(md|markdown)$/i.test(name), truncated };
}
