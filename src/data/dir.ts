// The data folder's layout: the one place that knows where things live in it.
//
//   DATA/repos/<name>.git   bare repositories (names may hold `/` for groups)
//   DATA/run/bugserve.sock  the hook socket (run/ is 0700: see hooks/channel.ts)
//   DATA/run/empty.git      an empty repository that answers pushes to new names
//   DATA/cache/             persisted bug indexes; always safe to delete
//   DATA/push-token         the generated push token (0600)
//   DATA/config.json        serve's options

import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UnavailableError } from '../errors.js';

export interface DataDir {
  /** the data folder itself, absolute */
  root: string;
  repos: string;
  run: string;
  socket: string;
  emptyRepo: string;
  cache: string;
  pushToken: string;
  config: string;
}

/** The layout under `root` (made absolute). `repos` may live elsewhere (benchmarks share one set of repositories). */
export function dataDirAt(root: string, over: { repos?: string } = {}): DataDir {
  const abs = path.resolve(root);
  const run = path.join(abs, 'run');
  return {
    root: abs,
    repos: path.resolve(over.repos ?? path.join(abs, 'repos')),
    run,
    socket: path.join(run, 'bugserve.sock'),
    emptyRepo: path.join(run, 'empty.git'),
    cache: path.join(abs, 'cache'),
    pushToken: path.join(abs, 'push-token'),
    config: path.join(abs, 'config.json'),
  };
}

/** A data folder that cannot be used: missing and not creatable, not a folder, not writable. */
export class DataDirError extends UnavailableError {
  constructor(
    readonly dir: string,
    reason: string,
  ) {
    super(`data folder ${dir} is not usable: ${reason}`);
  }
}

function reasonOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code} (${e.syscall ?? 'fs'})` : String(err);
}

/**
 * Creates `dir` and its missing parents one level at a time. Not
 * `mkdir({ recursive: true })`: on Linux that never returns for a path under
 * /proc (it retries ENOENT forever), which made `serve --data /proc/x` hang.
 */
async function makeFolder(dir: string, check: string): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    let st;
    try {
      st = await stat(d);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') throw new DataDirError(check, `a part of ${d} is a file, not a folder`);
      if (code !== 'ENOENT') throw new DataDirError(check, `${d}: ${reasonOf(err)}`);
      if (path.dirname(d) === d) throw new DataDirError(check, 'no part of the path exists');
      missing.unshift(d);
      continue;
    }
    if (!st.isDirectory()) throw new DataDirError(check, `${d} is not a folder`);
    break;
  }
  for (const d of missing) {
    try {
      await mkdir(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new DataDirError(check, `cannot create ${d}: ${reasonOf(err)}`);
    }
  }
}

/**
 * Makes sure the data folder and DATA/repos exist and can be written, before
 * anything else touches them. Throws DataDirError naming the path.
 */
export async function prepareDataDir(data: DataDir): Promise<void> {
  for (const dir of [data.root, data.repos]) {
    await makeFolder(dir, dir === data.root ? data.root : data.repos);
    try {
      await access(dir, constants.W_OK | constants.X_OK);
    } catch (err) {
      throw new DataDirError(dir, `not writable: ${reasonOf(err)}`);
    }
  }
}
