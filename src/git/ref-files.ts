// The files backend's ref storage, read directly: loose ref files under a
// folder, and packed-refs. Listing git-bug's 10k refs this way takes a few
// milliseconds; `git for-each-ref` takes ~30 ms, most of it checking that
// every ref's object exists, plus a process start. (A repository on the
// reftable backend has no such files: its callers ask git instead.)
// Synchronous: the callers are worker threads, each serving one repository,
// and a few small reads cost less than hops through libuv's thread pool.

import fs from 'node:fs';
import path from 'node:path';
import { isFullOid } from './parse-objects.js';
import { fileStamp } from './ref-stamp.js';
import type { RefFiles } from './store.js';

/** True when the repository keeps its refs in reftable (git 2.45+), not in files. */
export function usesReftable(gitdir: string): boolean {
  return fs.existsSync(path.join(gitdir, 'reftable'));
}

/**
 * The refs under `prefix`, packed and loose apart, or undefined when a loose
 * one is not a plain oid (a symbolic or broken ref: the caller asks git).
 * Loose first, packed-refs second: `git pack-refs` writes packed-refs before
 * it deletes the loose files, so no ref falls between the reads.
 */
export function readRefFileParts(gitdir: string, prefix: string): RefFiles | undefined {
  const loose = readLooseRefs(gitdir, prefix.replace(/\/+$/, ''));
  const packed = readPackedRefs(gitdir, prefix);
  for (const text of loose.values()) if (!isFullOid(text)) return undefined;
  return { packed, loose };
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `refs` (name -> oid) as a map in name order, as git lists refs. */
export function inNameOrder(refs: Iterable<[string, string]>): Map<string, string> {
  return new Map([...refs].sort(([a], [b]) => byName(a, b)));
}

/** Every ref under `prefix` as full name -> oid, in name order, from the files; undefined as for readRefFileParts. */
export function readRefFiles(gitdir: string, prefix: string): ReadonlyMap<string, string> | undefined {
  const parts = readRefFileParts(gitdir, prefix);
  return parts && withLooseRefs(parts.packed, parts.loose);
}

/**
 * `packed` (as readPackedRefs lists it) with `loose` (name -> oid, any order) over it,
 * in name order as git lists them: `packed` itself when there is nothing
 * loose, else a new map. A ref both packed and loose keeps its place; only
 * new names need one, merged in (a push adds a handful to thousands: sorting
 * all cost ~15 ms).
 */
export function withLooseRefs(packed: ReadonlyMap<string, string>, loose: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
  if (loose.size === 0) return packed;
  const added = [...loose.keys()].filter((name) => !packed.has(name));
  added.sort(byName);
  const merged = new Map<string, string>();
  let next = 0;
  for (const [name, oid] of packed) {
    for (; next < added.length && added[next] < name; next++) merged.set(added[next], loose.get(added[next])!);
    merged.set(name, loose.get(name) ?? oid);
  }
  for (; next < added.length; next++) merged.set(added[next], loose.get(added[next])!);
  return merged;
}

/** What a loose ref file holds ("<oid>\n" or "ref: <name>\n"), in one read into this. */
const refBytes = Buffer.allocUnsafe(256);

/**
 * A file expected to be small, as text: open, one read, close. readFileSync
 * also stats it and allocates for it, and a first build lists 10k loose
 * refs (~40% slower that way here).
 */
function readSmallFile(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const n = fs.readSync(fd, refBytes, 0, refBytes.length, 0);
    // Not a ref git wrote: read whole, as before, for whatever reports it.
    if (n === refBytes.length) return fs.readFileSync(file, 'utf8');
    return refBytes.toString('utf8', 0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** Loose ref files under `dir` (recursively), as full ref name -> trimmed content. */
export function readLooseRefs(gitdir: string, dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(gitdir, rel), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw err;
    }
    for (const e of entries) {
      const name = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        visit(name);
        continue;
      }
      if (e.name.endsWith('.lock')) continue;
      try {
        out.set(name, readSmallFile(`${gitdir}/${name}`).trim());
      } catch (err) {
        // Deleted between readdir and read: the ref is gone.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  };
  visit(dir);
  return out;
}

/**
 * packed-refs as name -> oid in name order, only names under `prefix`
 * (peeled "^" lines and comments skipped). Parsed once and shared while the
 * file keeps its stamp (never to be modified): a worker's open after a push
 * finds the 10k refs it listed before the push already parsed, when only a
 * loose ref changed (~15 ms here).
 */
export function readPackedRefs(gitdir: string, prefix = 'refs/'): ReadonlyMap<string, string> {
  const file = path.join(gitdir, 'packed-refs');
  const stamp = fileStamp(file);
  if (!stamp) return new Map();
  if (parsed?.file !== file || parsed.stamp !== stamp.stamp) parsed = { file, stamp: stamp.stamp, byPrefix: new Map() };
  const known = parsed.byPrefix.get(prefix);
  if (known) return known;
  const refs = parsePackedRefs(packedRefsText(file, stamp.stamp), prefix);
  // Kept only once no write can hide behind an equal stamp.
  if (!stamp.racy) parsed.byPrefix.set(prefix, refs);
  return refs;
}

/** The last packed-refs parsed, per prefix, with the stamp its file had before it was read. */
let parsed: { file: string; stamp: string; byPrefix: Map<string, ReadonlyMap<string, string>> } | undefined;

function parsePackedRefs(text: string, prefix: string): Map<string, string> {
  const refs = new Map<string, string>();
  if (text === '') return refs;
  // git writes the file sorted by name and says so in its header: the lines
  // under `prefix` are then one run, found with one search.
  const sorted = text.startsWith('# pack-refs with:') && / sorted( |\n)/.test(text.slice(0, text.indexOf('\n') + 1));
  let at = 0;
  if (sorted) {
    const first = text.indexOf(` ${prefix}`);
    if (first < 0) return refs;
    at = text.lastIndexOf('\n', first) + 1;
  }
  // One pass without a string per line: only the lines under `prefix` are cut.
  for (; at < text.length;) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const c = text.charCodeAt(at);
    if (c !== 0x5e && c !== 0x23) {
      const sp = text.indexOf(' ', at);
      const under = sp > at && sp < end && text.startsWith(prefix, sp + 1);
      if (under) {
        // git writes whole oids here; a damaged one fails where it is read (the bug is then damaged).
        if (sp - at === 40 || sp - at === 64) refs.set(text.slice(sp + 1, end).trimEnd(), text.slice(at, sp));
      } else if (sorted && refs.size > 0) {
        break;
      }
    }
    at = end + 1;
  }
  // A file without git's "sorted" trait (an old git's) is put in name order, as git lists it.
  return sorted ? refs : inNameOrder(refs);
}

/**
 * The file's text, read once per turn of the event loop while its stamp
 * holds: an open lists two namespaces from the same 1 MB file at the same
 * moment. Kept no longer, so nothing later can see an older file than git
 * has written.
 */
function packedRefsText(file: string, stamp: string): string {
  if (thisTurn?.file === file && thisTurn.stamp === stamp) return thisTurn.text;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
  thisTurn = { file, stamp, text };
  queueMicrotask(() => {
    thisTurn = undefined;
  });
  return text;
}

let thisTurn: { file: string; stamp: string; text: string } | undefined;
