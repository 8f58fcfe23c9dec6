// The built CLI (dist/src/cli.js) is what git hooks and child servers run, and
// the cache workers load dist/workers/ even in-process: suites that need them
// call ensureBuilt() in beforeAll so they never test yesterday's build.
//
// Several test files may run at once, so one build at a time: a lock folder
// in dist/ (mkdir is atomic), taken over when its holder looks dead.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './corpus.js';

export const DIST = path.join(PROJECT_ROOT, 'dist');
export const CLI = path.join(DIST, 'src', 'cli.js');

/** Folders tsconfig.json compiles (its "include"). */
const SOURCE_DIRS = ['src', 'workers', 'benchmarks'];
const LOCK = path.join(DIST, '.build-lock');
const LOCK_STALE_MS = 180_000;
const WAIT_MS = 240_000;

function* tsFiles(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(full);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) yield full;
  }
}

/** Sources whose compiled .js is missing or older than they are. */
export function staleSources(): string[] {
  const stale: string[] = [];
  for (const dir of SOURCE_DIRS) {
    for (const ts of tsFiles(path.join(PROJECT_ROOT, dir))) {
      const js = path.join(DIST, path.relative(PROJECT_ROOT, ts)).replace(/\.ts$/, '.js');
      if (!existsSync(js) || statSync(js).mtimeMs < statSync(ts).mtimeMs) stale.push(path.relative(PROJECT_ROOT, ts));
    }
  }
  return stale;
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function takeLock(): void {
  const deadline = Date.now() + WAIT_MS;
  mkdirSync(DIST, { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > LOCK_STALE_MS) rmSync(LOCK, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error(`waited ${WAIT_MS / 1000}s for ${LOCK}; remove it if no build is running`);
    sleep(200);
  }
}

/**
 * Runs `tsc -p .` when any source is newer than its build. tsc writes its
 * output even when files elsewhere do not typecheck (others may be mid-edit),
 * so only a missing CLI or worker counts as failure. Returns what was rebuilt.
 */
export function ensureBuilt(): string[] {
  if (staleSources().length === 0) return [];
  takeLock();
  let stale: string[];
  try {
    // Another file's suite may have built while we waited for the lock.
    stale = staleSources();
    if (stale.length > 0) {
      const tsc = path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      const r = spawnSync(process.execPath, [tsc, '-p', PROJECT_ROOT], { cwd: PROJECT_ROOT, encoding: 'utf8' });
      const left = staleSources();
      if (left.length > 0) {
        throw new Error(`tsc did not build ${left.slice(0, 5).join(', ')}${left.length > 5 ? ', …' : ''}:\n${r.stdout}${r.stderr}`);
      }
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
  for (const f of [CLI, path.join(DIST, 'workers', 'cache-worker.js')]) {
    if (!existsSync(f)) throw new Error(`${f} is missing after the build: run npm run build and read its errors`);
  }
  return stale;
}
