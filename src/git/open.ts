// Picks the GitStore backend. The benchmarks decide the default.

import type { GitStore } from './store.js';
import { CatFileStore } from './cat-file.js';
import { IsomorphicStore } from './isomorphic.js';

export type GitBackend = 'cat-file' | 'isomorphic-git';

export const DEFAULT_BACKEND: GitBackend = 'cat-file';

export function openGitStore(repoPath: string, backend: GitBackend = DEFAULT_BACKEND): GitStore {
  return backend === 'isomorphic-git' ? new IsomorphicStore(repoPath) : new CatFileStore(repoPath);
}
