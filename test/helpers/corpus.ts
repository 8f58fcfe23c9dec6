// The real git-bug corpus lives beside the project in ../shared; it is read
// from there, never copied. Where it is absent (a user's own clone), suites
// that need it skip and say why.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CORPUS_BUNDLE = resolve(PROJECT_ROOT, '../shared/fixtures/git-bug-corpus.bundle');
export const corpusAvailable = existsSync(CORPUS_BUNDLE);

if (!corpusAvailable) {
  console.warn(`[bugserve tests] ${CORPUS_BUNDLE} is absent: suites on the real git-bug corpus are skipped.`);
}

export const CORPUS_BUGS = 421;
export const CORPUS_IDENTITIES = 285;

/** Fetches the corpus's bug and identity refs into a new bare repository at `path`. */
export function loadCorpus(path: string): string {
  execFileSync('git', ['init', '-q', '--bare', path]);
  execFileSync('git', ['--git-dir', path, 'fetch', '-q', CORPUS_BUNDLE, 'refs/bugs/*:refs/bugs/*', 'refs/identities/*:refs/identities/*']);
  return path;
}
