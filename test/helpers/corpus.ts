// The real git-bug corpus (git-bug's own public bugs and identities, written
// by git-bug itself) travels with the project as a git bundle, so a fresh
// clone runs every suite on it.

import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CORPUS_BUNDLE = resolve(PROJECT_ROOT, 'test/fixtures/git-bug-corpus.bundle');

export const CORPUS_BUGS = 421;
export const CORPUS_IDENTITIES = 285;

/** Fetches the corpus's bug and identity refs into a new bare repository at `path`. */
export function loadCorpus(path: string): string {
  execFileSync('git', ['init', '-q', '--bare', path]);
  execFileSync('git', ['--git-dir', path, 'fetch', '-q', CORPUS_BUNDLE, 'refs/bugs/*:refs/bugs/*', 'refs/identities/*:refs/identities/*']);
  return path;
}
