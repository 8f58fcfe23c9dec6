// The repositories the benchmarks read. Generated ones are cached under
// benchmarks/.data/repos (gitignored), named by their parameters, so a second
// run reuses them; a marker file says a repository was written completely.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '../../src/gen/generate.js';

/** The project root, from dist/benchmarks/lib/ or benchmarks/lib/. */
export const PROJECT_ROOT = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = here.split(path.sep).includes('dist') ? '../../..' : '../..';
  return path.resolve(here, up);
})();
export const DATA_DIR = path.join(PROJECT_ROOT, 'benchmarks', '.data');
/** What the cache manager and the server get as reposDir. */
export const REPOS_DIR = path.join(DATA_DIR, 'repos');
export const CORPUS_BUNDLE = path.resolve(PROJECT_ROOT, 'test/fixtures/git-bug-corpus.bundle');

const COMPLETE = 'bench-complete';

export type RefLayout = 'loose' | 'packed';

export interface Dataset {
  /** repository name under REPOS_DIR */
  name: string;
  path: string;
  label: string;
  bugs: number;
  refs: RefLayout;
}

export interface GenParams {
  bugs: number;
  identities: number;
  comments: number;
  seed: number;
}

function git(args: string[]): string {
  return execFileSync('git', args, { encoding: 'utf8', maxBuffer: 64 << 20 }).trim();
}

export function isComplete(dir: string): boolean {
  return existsSync(path.join(dir, COMPLETE));
}

export function markComplete(dir: string): void {
  writeFileSync(path.join(dir, COMPLETE), new Date().toISOString() + '\n');
}

/**
 * A copy with packed refs: objects are hard links (git never rewrites an
 * object or pack file in place), refs are packed in the copy only.
 */
function packedCopy(loose: string, packed: string): void {
  if (isComplete(packed)) return;
  rmSync(packed, { recursive: true, force: true });
  execFileSync('cp', ['-al', loose, packed]);
  git(['--git-dir', packed, 'pack-refs', '--all']);
  markComplete(packed);
}

export async function generated(p: GenParams, refs: RefLayout, log: (s: string) => void): Promise<Dataset> {
  mkdirSync(REPOS_DIR, { recursive: true });
  const base = `gen-b${p.bugs}-i${p.identities}-c${p.comments}-s${p.seed}`;
  const loose = path.join(REPOS_DIR, `${base}-loose.git`);
  if (!isComplete(loose)) {
    rmSync(loose, { recursive: true, force: true });
    log(`generating ${p.bugs} bugs into ${path.relative(PROJECT_ROOT, loose)} (cached for later runs)`);
    const started = performance.now();
    await generate({ path: loose, bugs: p.bugs, identities: p.identities, comments: p.comments, seed: p.seed });
    markComplete(loose);
    log(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const name = `${base}-${refs}`;
  const dir = path.join(REPOS_DIR, `${name}.git`);
  if (refs === 'packed') packedCopy(loose, dir);
  return { name, path: dir, label: `${p.bugs.toLocaleString('en-US')} bugs`, bugs: p.bugs, refs };
}

export const corpusAvailable = (): boolean => existsSync(CORPUS_BUNDLE);

/** The real git-bug corpus, fetched from its bundle into a bare repository. */
export function corpus(refs: RefLayout): Dataset | undefined {
  if (!corpusAvailable()) return undefined;
  mkdirSync(REPOS_DIR, { recursive: true });
  const loose = path.join(REPOS_DIR, 'corpus-loose.git');
  if (!isComplete(loose)) {
    rmSync(loose, { recursive: true, force: true });
    git(['init', '-q', '--bare', loose]);
    git(['--git-dir', loose, 'fetch', '-q', CORPUS_BUNDLE, 'refs/bugs/*:refs/bugs/*', 'refs/identities/*:refs/identities/*']);
    markComplete(loose);
  }
  const name = `corpus-${refs}`;
  const dir = path.join(REPOS_DIR, `${name}.git`);
  if (refs === 'packed') packedCopy(loose, dir);
  const bugs = git(['--git-dir', dir, 'for-each-ref', '--format=x', 'refs/bugs/']).split('\n').filter(Boolean).length;
  return { name, path: dir, label: 'git-bug corpus', bugs, refs };
}

/**
 * `count` small repositories under REPOS_DIR/many/, copies of one generated
 * repository (hard links), for the memory figure of browsing many of them.
 */
export async function manySmall(count: number, log: (s: string) => void): Promise<string[]> {
  const template = await generated({ bugs: 20, identities: 5, comments: 3, seed: 7 }, 'loose', log);
  const groupDir = path.join(REPOS_DIR, 'many');
  mkdirSync(groupDir, { recursive: true });
  const have = new Set(readdirSync(groupDir));
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `r${String(i).padStart(4, '0')}`;
    if (!have.has(`${name}.git`)) execFileSync('cp', ['-al', template.path, path.join(groupDir, `${name}.git`)]);
    names.push(`many/${name}`);
  }
  return names;
}

/**
 * A throwaway copy of a repository (hard-linked objects, copied refs), for
 * the push figure, which changes refs.
 */
export function scratchCopy(ds: Dataset, name: string): Dataset {
  const dir = path.join(REPOS_DIR, `${name}.git`);
  rmSync(dir, { recursive: true, force: true });
  execFileSync('cp', ['-al', ds.path, dir]);
  return { ...ds, name, path: dir };
}

export function removeRepo(ds: Dataset): void {
  rmSync(ds.path, { recursive: true, force: true });
}
