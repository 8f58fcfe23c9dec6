// Housekeeping for repositories with many loose refs. git-bug keeps one ref
// per bug and per identity, and a push or fetch writes each as a file of its
// own: listing 10,000 loose refs opens 10,000 files (over 100 ms here), on
// every open of the bug cache and every clone's ref advertisement, where one
// packed-refs file reads in a few milliseconds. `git pack-refs` is what
// git's own maintenance runs; it is safe beside pushes (git locks each ref it
// prunes) and changes no ref's value, only where it is stored.

import { opendir } from 'node:fs/promises';
import path from 'node:path';
import { GITBUG_REF_PREFIXES } from '../gitbug/refs.js';
import { runGit } from './run.js';

/** Loose git-bug refs beyond this are worth packing. */
export const LOOSE_REFS_TO_PACK = 256;
const PACK_TIMEOUT_MS = 60_000;

/** True when LOOSE_REFS_TO_PACK or more of git-bug's refs are loose files (counting stops there). */
export async function manyLooseRefs(repoPath: string): Promise<boolean> {
  let n = 0;
  for (const prefix of GITBUG_REF_PREFIXES) {
    // git-bug's ref folders are flat: every file in one is a ref (or a .lock).
    const dir = await opendir(path.join(repoPath, prefix)).catch(() => undefined);
    if (!dir) continue;
    for await (const e of dir) {
      // Leaving the loop closes the folder.
      if (e.isFile() && !e.name.endsWith('.lock') && ++n >= LOOSE_REFS_TO_PACK) return true;
    }
  }
  return false;
}

/** Packs every ref of the repository into packed-refs (the loose files go). */
export async function packRefs(repoPath: string): Promise<void> {
  await runGit(['pack-refs', '--all'], { gitDir: repoPath, timeoutMs: PACK_TIMEOUT_MS, maxBuffer: 1 << 20 });
}
