// Picks the GitStore backend. The benchmarks decide the default.

import type { GitStore } from './store.js';
import { CatFileStore } from './cat-file.js';

export type GitBackend = 'cat-file' | 'isomorphic-git';

export const DEFAULT_BACKEND: GitBackend = 'cat-file';

export function openGitStore(repoPath: string, backend: GitBackend = DEFAULT_BACKEND): GitStore {
  if (backend !== 'isomorphic-git') return new CatFileStore(repoPath);
  // isomorphic-git takes ~100 ms to import: only a worker that uses it pays.
  const store = import('./isomorphic.js').then((m) => new m.IsomorphicStore(repoPath));
  return {
    listRefs: async (prefix) => (await store).listRefs(prefix),
    readCommit: async (oid) => (await store).readCommit(oid),
    readTree: async (oid) => (await store).readTree(oid),
    readBlob: async (oid) => (await store).readBlob(oid),
    close: async () => (await store).close(),
  };
}
