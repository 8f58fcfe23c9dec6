// Repository names from URLs to folders under DATA/repos, and back.
//
// A name is untrusted input: it is checked against a conservative charset
// before any file is touched, and the folder it maps to must lie inside
// reposDir. Names may contain `/` to put repositories in groups.

import { statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { BadRequestError } from '../errors.js';

export interface RepoSummary {
  name: string;
  description: string;
  /** ISO 8601 UTC: the newest change to the repository's refs */
  updatedAt: string;
}

export const MAX_REPO_NAME_LENGTH = 200;
export const MAX_GROUP_DEPTH = 8;

// A segment starts with a letter or digit (so never `.`, `..` or `-x`), then
// letters, digits, `.`, `_`, `-`. No `%`, `\`, spaces or control characters.
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const GIT_DEFAULT_DESCRIPTION = "Unnamed repository; edit this file 'description' to name the repository.";

/** Throws BadRequestError unless `name` is a safe repository name. */
export function checkRepoName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new BadRequestError('empty repository name');
  if (name.length > MAX_REPO_NAME_LENGTH) throw new BadRequestError('repository name is too long');
  // Say why for the common hostile shapes; the charset below catches the rest.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new BadRequestError('control characters in repository name');
  if (name.includes('\\')) throw new BadRequestError('backslash in repository name');
  if (name.includes('%')) throw new BadRequestError('percent sign in repository name');
  if (name.startsWith('/') || path.isAbsolute(name)) throw new BadRequestError('repository name is an absolute path');
  const segments = name.split('/');
  if (segments.length > MAX_GROUP_DEPTH) throw new BadRequestError('repository name is nested too deep');
  for (const seg of segments) {
    if (seg === '' || seg === '.' || seg === '..') {
      throw new BadRequestError(`repository name has an empty, "." or ".." segment`);
    }
    if (!SEGMENT.test(seg)) throw new BadRequestError(`invalid repository name: ${JSON.stringify(name)}`);
    // `x.git` is a repository folder: a group cannot be named like one.
    if (seg.toLowerCase().endsWith('.git')) throw new BadRequestError('repository name segment ends with ".git"');
  }
}

/** DATA/repos/<name>.git for a checked name; throws BadRequestError for anything unsafe. */
export function repoDir(reposDir: string, name: string): string {
  checkRepoName(name);
  const root = path.resolve(reposDir);
  const dir = path.resolve(root, ...name.split('/')) + '.git';
  if (!dir.startsWith(root + path.sep)) throw new BadRequestError('repository name leaves the repositories folder');
  return dir;
}

/** True when `name` is a safe repository name (checkRepoName would accept it). */
export function isRepoName(name: string): boolean {
  try {
    checkRepoName(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `dir` holds a bare repository (a HEAD file and an objects folder):
 * the one existence check. Synchronous on purpose: routing asks it on every
 * request, and two sync stats cost a few µs where the async ones take a trip
 * through libuv's thread pool each.
 */
export function isBareRepo(dir: string): boolean {
  try {
    return statSync(path.join(dir, 'HEAD')).isFile() && statSync(path.join(dir, 'objects')).isDirectory();
  } catch {
    return false;
  }
}

/** True when `name` is a safe name of an existing bare repository. Never throws for bad names. */
export function repoExists(reposDir: string, name: string): boolean {
  return isRepoName(name) && isBareRepo(repoDir(reposDir, name));
}

async function readDescription(dir: string): Promise<string> {
  try {
    const text = (await readFile(path.join(dir, 'description'), 'utf8')).trim();
    if (text === GIT_DEFAULT_DESCRIPTION) return '';
    return text.slice(0, 500);
  } catch {
    return '';
  }
}

async function mtimeMs(file: string): Promise<number> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * The newest change to HEAD or the refs. git updates a loose ref by renaming
 * a lock file over it, which touches the folder holding it, and rewrites
 * packed-refs the same way; so folder times under refs/ plus HEAD and
 * packed-refs see every update without a stat per ref.
 */
async function refsUpdatedAt(dir: string): Promise<number> {
  let newest = Math.max(await mtimeMs(path.join(dir, 'HEAD')), await mtimeMs(path.join(dir, 'packed-refs')));
  const walk = async (folder: string, depth: number): Promise<void> => {
    // Read before comparing: `max(newest, await x)` would use a stale `newest` across parallel walks.
    const t = await mtimeMs(folder);
    newest = Math.max(newest, t);
    if (depth > 6) return;
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return;
    }
    await Promise.all(entries.filter((e) => e.isDirectory()).map((e) => walk(path.join(folder, e.name), depth + 1)));
  };
  await walk(path.join(dir, 'refs'), 0);
  return newest;
}

async function summarize(dir: string, name: string): Promise<RepoSummary> {
  const [description, updated] = await Promise.all([readDescription(dir), refsUpdatedAt(dir)]);
  return { name, description, updatedAt: new Date(updated).toISOString() };
}

/** One repository's summary, or undefined when it does not exist. Opens no cache. */
export async function repoSummary(reposDir: string, name: string): Promise<RepoSummary | undefined> {
  const dir = repoDir(reposDir, name);
  return isBareRepo(dir) ? summarize(dir, name) : undefined;
}

export interface FoundRepo {
  name: string;
  dir: string;
}

/**
 * Every bare repository under reposDir (groups included), sorted by name: the
 * one walk of the repositories folder. A folder ending in ".git" is a
 * repository (a symlink to one counts); other real folders are groups.
 * Symlinked groups are not followed, so a link loop cannot make the walk
 * spin, and names that bugserve would refuse in a URL are skipped.
 */
export async function findRepos(reposDir: string): Promise<FoundRepo[]> {
  const found: FoundRepo[] = [];
  const walk = async (folder: string, group: string[]): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return;
    }
    await Promise.all(
      entries.map(async (e) => {
        if (!e.isDirectory() && !e.isSymbolicLink()) return;
        const full = path.join(folder, e.name);
        if (e.name.endsWith('.git')) {
          const name = [...group, e.name.slice(0, -4)].join('/');
          if (isRepoName(name) && isBareRepo(full)) found.push({ name, dir: full });
          return;
        }
        if (e.isDirectory() && group.length + 1 < MAX_GROUP_DEPTH && isRepoName([...group, e.name].join('/'))) {
          await walk(full, [...group, e.name]);
        }
      }),
    );
  };
  await walk(path.resolve(reposDir), []);
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Every repository's summary, sorted by name. Opens no cache. */
export async function listRepos(reposDir: string): Promise<RepoSummary[]> {
  return Promise.all((await findRepos(reposDir)).map((r) => summarize(r.dir, r.name)));
}
