// Opening a repository both ways the index tests compare: through its
// persisted index (the first write run to its end), and compiled from scratch.

import { RepoIndex } from '../../src/cache/repo-index.js';
import { openGitStore } from '../../src/git/open.js';
import { loadRepository } from '../../src/gitbug/load.js';
import { finishOpen, openRepository, type OpenedRepository } from '../../src/index/open.js';

/** The repository at `path` opened through the index at `file`, as a worker would (its first write finished). */
export async function openIndexed(path: string, file: string): Promise<OpenedRepository> {
  const store = openGitStore(path);
  try {
    return finishOpen(await openRepository(store, file));
  } finally {
    await store.close();
  }
}

/** The truth the index is held to: every bug compiled from scratch, in memory. */
export async function compiledFromScratch(path: string): Promise<RepoIndex> {
  const store = openGitStore(path);
  try {
    return new RepoIndex(await loadRepository(store));
  } finally {
    await store.close();
  }
}
