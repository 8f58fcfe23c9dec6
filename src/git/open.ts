// Picks the GitStore backend. The benchmarks decide the default.

import type { GitStore } from './store.js';
import { CatFileStore } from './cat-file.js';

export type GitBackend = 'cat-file' | 'isomorphic-git';

export const DEFAULT_BACKEND: GitBackend = 'cat-file';

export function openGitStore(repoPath: string, backend: GitBackend = DEFAULT_BACKEND): GitStore {
  if (backend !== 'isomorphic-git') return new CatFileStore(repoPath);
  // isomorphic-git takes ~100 ms to import: only a worker that uses it pays.
  const store = import('./isomorphic.js').then(
    (m) => new m.IsomorphicStore(repoPath),
    (err: NodeJS.ErrnoException) => {
      // An optional dependency (package.json): only this benchmark backend needs it.
      if (err.code === 'ERR_MODULE_NOT_FOUND')
        throw new Error('the isomorphic-git backend needs the optional package isomorphic-git: npm install isomorphic-git');
      throw err;
    },
  );
  // Callers see a failure through the methods below; never as an unhandled rejection.
  store.catch(() => undefined);
  return {
    listRefs: async (prefix) => (await store).listRefs(prefix),
    readCommit: async (oid) => (await store).readCommit(oid),
    readTree: async (oid) => (await store).readTree(oid),
    readBlob: async (oid) => (await store).readBlob(oid),
    close: async () => (await store).close(),
  };
}
