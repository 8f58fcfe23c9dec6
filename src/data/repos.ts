// Creating repositories in the data folder: a push to a new name makes one.
//
// A repository exists once a push updated a ref in it, not before: a probe
// (`GET info/refs?service=git-receive-pack`, `git ls-remote`) is answered from
// an empty template (emptyRepo) and creates nothing, and a first push that
// ends without any ref (aborted, rejected) removes what it created.
//
// Concurrent first pushes to one name share one creation and run their
// receive-packs in the same repository, where git's ref locks and old-value
// checks decide between them exactly as for an existing repository. The
// repository is removed only when the last of them ended and no ref exists.

import { mkdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { BadRequestError } from '../errors.js';
import { isBareRepo, repoDir } from '../git/repo-path.js';
import { runGitText } from '../git/run.js';
import { installHook } from '../hooks/install.js';
import type { DataDir } from './dir.js';

/** Where repository creation and pushes log (a pino logger, or a test's). */
export interface RepoLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** A repository a push is going into; `done` must be called once the push ended. */
export interface PushTarget {
  dir: string;
  /** true when this push (or one beside it) created the repository */
  fresh: boolean;
  /** Keeps a fresh repository only if some ref arrived; points HEAD at a branch that exists. */
  done: () => Promise<void>;
}

interface Fresh {
  ready: Promise<void>;
  pushes: number;
  /** set while the last push's end is being settled; newcomers wait for it */
  ending?: Promise<void>;
}

/** Repositories created for pushes still running, by folder. */
const fresh = new Map<string, Fresh>();

async function createBare(data: DataDir, dir: string, name: string, log?: RepoLogger): Promise<void> {
  // Not `recursive` on purpose for the repository itself: a folder already
  // there that is not a repository is left alone.
  await mkdir(path.dirname(dir), { recursive: true });
  try {
    await mkdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new BadRequestError(`a folder named ${name}.git exists and is not a git repository`);
    }
    throw err;
  }
  try {
    await runGitText(['init', '--bare', '--quiet', '--initial-branch=main', dir]);
  } catch (err) {
    await removeRepo(data, dir);
    throw err;
  }
  try {
    await installHook(dir, { dataDir: data.root });
  } catch (err) {
    // The cache still notices new refs by itself (the ref stamp); the push goes on.
    log?.warn({ repo: name, err: (err as Error).message }, 'could not install the post-receive hook');
  }
}

/** Removes a repository folder and the group folders it leaves empty. */
async function removeRepo(data: DataDir, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  for (let d = path.dirname(dir); d.startsWith(data.repos + path.sep); d = path.dirname(d)) {
    try {
      await rmdir(d);
    } catch {
      break; // not empty (or gone): its other repositories stay
    }
  }
}

async function hasRefs(dir: string): Promise<boolean> {
  return (await runGitText(['for-each-ref', '--count=1', '--format=x'], { gitDir: dir })).trim() !== '';
}

/**
 * A repository's first push may not include the branch HEAD names (pushing
 * "master" into a repository created with "main"): point HEAD at a branch that
 * exists, so clones check something out. main, then master, then the first.
 */
async function fixUnbornHead(dir: string): Promise<void> {
  const git = (...args: string[]) => runGitText(args, { gitDir: dir });
  const resolves = await git('rev-parse', '--verify', '--quiet', 'HEAD').then(
    () => true,
    () => false,
  );
  if (resolves) return;
  const branches = (await git('for-each-ref', '--format=%(refname)', 'refs/heads/')).split('\n').filter(Boolean);
  const pick = ['refs/heads/main', 'refs/heads/master'].find((b) => branches.includes(b)) ?? branches.sort()[0];
  if (pick) await git('symbolic-ref', 'HEAD', pick);
}

/**
 * The repository `name` for a push, created (with bugserve's hook) when it
 * does not exist. Throws BadRequestError for an unsafe name or a folder in
 * the way.
 */
export async function openForPush(data: DataDir, name: string, log?: RepoLogger): Promise<PushTarget> {
  const dir = repoDir(data.repos, name);
  for (;;) {
    const state = fresh.get(dir);
    if (state?.ending) {
      await state.ending;
      continue;
    }
    if (!state && isBareRepo(dir)) {
      return { dir, fresh: false, done: () => fixUnbornHead(dir).catch((err: unknown) => warnHead(log, name, err)) };
    }
    const joined: Fresh = state ?? { ready: createBare(data, dir, name, log), pushes: 0 };
    if (!state) fresh.set(dir, joined);
    joined.pushes++;
    try {
      await joined.ready;
    } catch (err) {
      joined.pushes--;
      if (fresh.get(dir) === joined) fresh.delete(dir);
      throw err;
    }
    let ended = false;
    return {
      dir,
      fresh: true,
      done: async () => {
        if (ended) return;
        ended = true;
        if (--joined.pushes > 0) return;
        joined.ending = (async () => {
          try {
            if (await hasRefs(dir)) {
              log?.info({ repo: name }, 'repository created by push');
              await fixUnbornHead(dir).catch((err: unknown) => warnHead(log, name, err));
            } else {
              await removeRepo(data, dir);
            }
          } catch (err) {
            log?.warn({ repo: name, err: (err as Error).message }, 'could not settle a new repository');
          } finally {
            fresh.delete(dir);
          }
        })();
        await joined.ending;
      },
    };
  }
}

function warnHead(log: RepoLogger | undefined, name: string, err: unknown): void {
  log?.warn({ repo: name, err: (err as Error).message }, 'could not set HEAD');
}

const empties = new Map<string, Promise<string>>();

/**
 * An empty bare repository (DATA/run/empty.git) that answers the ref
 * advertisement of a push to a name that does not exist yet, so a probe
 * creates nothing. Made once per data folder.
 */
export function emptyRepo(data: DataDir): Promise<string> {
  let made = empties.get(data.run);
  if (!made) {
    const dir = data.emptyRepo;
    made = (async () => {
      if (!isBareRepo(dir)) {
        await mkdir(data.run, { recursive: true, mode: 0o700 });
        await runGitText(['init', '--bare', '--quiet', '--initial-branch=main', dir]);
      }
      return dir;
    })();
    made.catch(() => empties.delete(data.run));
    empties.set(data.run, made);
  }
  return made;
}
