// The catalog as the index file holds it: one row per shard, its keys and its
// rows (catalog.ts encodes them). Reading keys is what every open does;
// rows are read per shard, only for the shards a push touched (to write them
// again) and when the first list needs them all.

import { decodeKeys, decodeRows, encodeCatalog, SHARDS, shardOf, type BugRow, type CatalogEntry, type CatalogKey } from './catalog.js';
import { UnusableIndex, type IndexDb } from './index-file.js';

/** The catalog's keys as stored: per shard, in the order of that shard's rows. */
export interface StoredKeys {
  shards: CatalogKey[][];
  /** false before a first write has completed (the file holds no catalog) */
  written: boolean;
}

/** Throws UnusableIndex on keys it cannot read (the caller rebuilds). */
export function readKeys(db: IndexDb): StoredKeys {
  const shards = Array.from({ length: SHARDS }, (): CatalogKey[] => []);
  let written = false;
  for (const [shard, text] of db.prepare('SELECT shard, keys FROM catalog').raw().iterate() as IterableIterator<[number, string]>) {
    written = true;
    if (!(shard >= 0 && shard < SHARDS)) throw new UnusableIndex(`catalog shard ${shard} out of range`);
    shards[shard] = unreadable(() => decodeKeys(text));
  }
  return { shards, written };
}

/** Shard `shard`'s rows, aligned with its stored keys. Throws UnusableIndex on rows it cannot read. */
export function readRows(db: IndexDb, shard: number, keys: readonly CatalogKey[]): (BugRow | null)[] {
  if (keys.length === 0) return [];
  const text = db.prepare('SELECT rows FROM catalog WHERE shard = ?').pluck().get(shard) as string | undefined;
  if (text === undefined) throw new UnusableIndex(`catalog shard ${shard} has no rows`);
  return unreadable(() => decodeRows(text, keys));
}

function unreadable<T>(decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    throw new UnusableIndex(`unreadable catalog: ${(err as Error).message}`);
  }
}

/** Writes shard by shard: `put(shard, entries)` stores the entries (sorted by id) as that shard, and returns its stored keys. */
export function shardWriter(db: IndexDb): (shard: number, entries: readonly CatalogEntry[]) => CatalogKey[] {
  const put = db.prepare('INSERT OR REPLACE INTO catalog (shard, keys, rows) VALUES (?, ?, ?)');
  return (shard, entries) => {
    const { keys, rows } = encodeCatalog(entries);
    put.run(shard, keys, rows);
    return entries.map(({ row: _, ...key }) => key);
  };
}

/** Entries grouped by shard. */
export function byShard<T extends { id: string }>(entries: Iterable<T>): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const e of entries) {
    const k = shardOf(e.id);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(e);
  }
  return groups;
}
