// A cheap fingerprint of a bare repository's bug and identity refs, so a cache
// can tell "nothing changed" with four stat calls instead of listing refs.
//
// Why stat of the directories is enough: git writes a loose ref as
// `<name>.lock` then rename()s it over `<name>`, and deletes with unlink();
// both change the directory's mtime. git-bug refs are flat
// (refs/bugs/<64 hex>), so no nested directory hides an update. packed-refs
// and reftable's tables.list are replaced by rename(), so their inode changes.

import { statSync } from 'node:fs';
import path from 'node:path';
import { GITBUG_REF_PREFIXES } from '../gitbug/refs.js';

/** git-bug's ref folders ("refs/bugs"), plus the files that hold packed refs. */
const WATCHED = [...GITBUG_REF_PREFIXES.map((p) => p.slice(0, -1)), 'packed-refs', 'reftable/tables.list'];

/**
 * Kernels without fine-grained timestamps stamp files from a clock that ticks
 * every few milliseconds, so two updates within one tick can leave the same
 * mtime. A stamp taken while a watched mtime is that fresh is "racy" (as git
 * calls it) and says so: once the repository has been quiet for longer than
 * the tick the suffix goes, the stamp differs, and the caller re-reads once,
 * catching any update the coarse clock hid. Within the window equal stamps
 * stay equal, so callers do not rebuild on every request.
 */
const RACY_WINDOW_NS = 25_000_000n;
/** Filesystems that keep whole seconds only (FAT keeps two). */
const COARSE_RACY_WINDOW_NS = 2_000_000_000n;
const RACY_MARK = '~racy';

export function refStamp(repoPath: string): string {
  let racy = false;
  const parts: string[] = [];
  for (const rel of WATCHED) {
    const st = fileStamp(path.join(repoPath, rel));
    parts.push(st?.stamp ?? '-');
    if (st?.racy) racy = true;
  }
  const stamp = parts.join('|');
  return racy ? stamp + RACY_MARK : stamp;
}

/**
 * One file's stamp (times, size, inode), and whether it is racy: taken so
 * soon after a write that a second write could leave the same stamp.
 * Undefined when the file does not exist.
 */
export function fileStamp(file: string): { stamp: string; racy: boolean } | undefined {
  const st = statSync(file, { bigint: true, throwIfNoEntry: false });
  if (!st) return undefined;
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const window = st.mtimeNs % 1_000_000_000n === 0n ? COARSE_RACY_WINDOW_NS : RACY_WINDOW_NS;
  const newest = st.ctimeNs > st.mtimeNs ? st.ctimeNs : st.mtimeNs;
  return { stamp: `${st.mtimeNs}.${st.ctimeNs}.${st.size}.${st.ino}`, racy: newest > nowNs - window };
}

/** True for a stamp taken too soon after a ref write to prove later writes in the same clock tick. */
export function isRacy(stamp: string): boolean {
  return stamp.endsWith(RACY_MARK);
}
