// The README of a repository's default branch (HEAD), read with git itself.
// Async child processes keep the main thread free; size and time are bounded.

import { execFile } from 'node:child_process';

export interface Readme {
  name: string;
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
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['--git-dir', gitDir, ...args],
      { encoding: 'buffer', maxBuffer, timeout: GIT_TIMEOUT_MS, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } },
      // On a maxBuffer overflow git's partial output still arrives: keep it on the error.
      (err, stdout) => (err ? reject(Object.assign(err, { stdout })) : resolve(stdout)),
    );
  });
}

/** The README at HEAD, or undefined when the repository is empty or has none. */
export async function readReadme(gitDir: string): Promise<Readme | undefined> {
  let listing: string;
  try {
    listing = (await git(gitDir, ['ls-tree', '-z', '--name-only', 'HEAD'], 4 * 1024 * 1024)).toString('utf8');
  } catch {
    return undefined; // no HEAD commit yet
  }
  const files = listing.split('\0').filter(Boolean);
  let name: string | undefined;
  for (const wanted of NAMES) {
    name = files.find((f) => f.toLowerCase() === wanted);
    if (name) break;
  }
  if (!name) return undefined;
  let blob: Buffer;
  let truncated = false;
  try {
    // `HEAD:<name>` with a name taken from git's own listing of the tree.
    blob = await git(gitDir, ['cat-file', 'blob', `HEAD:${name}`], MAX_README_BYTES + 1);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: Buffer };
    if (e.code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER' || !e.stdout) return undefined;
    blob = e.stdout;
    truncated = true;
  }
  if (blob.length > MAX_README_BYTES) {
    blob = blob.subarray(0, MAX_README_BYTES);
    truncated = true;
  }
  return { name, text: blob.toString('utf8'), markdown: /\.(md|markdown)$/i.test(name), truncated };
}
