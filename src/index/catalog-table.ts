// The catalog as the index file holds it: one row per shard, with the
// fingerprint of its bugs' heads, its counts, its keys and its rows
// (catalog.ts encodes them). An open reads the fingerprints, and decodes the
// keys of the shards whose refs moved; everything else is read when first
// needed: keys for a bug page's short id or a damaged bug, rows for a list.

import {
  decodeKeys,
  decodeRows,
  encodeCatalog,
  headsDigest,
  SHARDS,
  shardOf,
  type BugRow,
  type CatalogEntry,
  type CatalogKey,
} from './catalog.js';
import type Database from 'better-sqlite3';
import { UnusableIndex, type IndexDb } from './index-file.js';
import { decodeListView, encodeListView, type ListView } from './list-view.js';

type Statement = Database.Statement<unknown[]>;

/** What the index says of a shard without decoding it. */
export interface ShardSummary {
  /** headsDigest of its bugs */
  digest: string;
  /** compiled bugs, damaged bugs */
  bugs: number;
  damaged: number;
}

/** A shard with no bugs (no row in the table). */
export const EMPTY_SHARD: ShardSummary = { digest: headsDigest([]), bugs: 0, damaged: 0 };

/** Every shard's summary (EMPTY_SHARD where none is stored); `written` is false before a first write completed. */
export function readSummaries(db: IndexDb): { shards: ShardSummary[]; written: boolean } {
  const shards = Array.from({ length: SHARDS }, () => EMPTY_SHARD);
  let written = false;
  const rows = db.prepare('SELECT shard, digest, bugs, damaged FROM catalog').raw().all() as [number, string, number, number][];
  for (const [shard, digest, bugs, damaged] of rows) {
    written = true;
    if (!(shard >= 0 && shard < SHARDS)) throw new UnusableIndex(`catalog shard ${shard} out of range`);
    shards[shard] = { digest, bugs, damaged };
  }
  return { shards, written };
}

/** Shard `shard`'s keys, in the order of its rows. Throws UnusableIndex on keys it cannot read. */
export function readKeys(db: IndexDb, shard: number): CatalogKey[] {
  const text = statements(db).keys.get(shard) as string | undefined;
  return text === undefined ? [] : unreadable(() => decodeKeys(text));
}

/** Shard `shard`'s rows, aligned with its stored keys. Throws UnusableIndex on rows it cannot read. */
export function readRows(db: IndexDb, shard: number, keys: readonly CatalogKey[]): (BugRow | null)[] {
  if (keys.length === 0) return [];
  const text = statements(db).rows.get(shard) as string | undefined;
  if (text === undefined) throw new UnusableIndex(`catalog shard ${shard} has no rows`);
  return unreadable(() => decodeRows(text, keys));
}

/** The two reads, prepared once per connection: a list's first read asks for every shard. */
const prepared = new WeakMap<IndexDb, { keys: Statement; rows: Statement }>();

function statements(db: IndexDb): { keys: Statement; rows: Statement } {
  let st = prepared.get(db);
  if (!st) {
    st = {
      keys: db.prepare('SELECT keys FROM catalog WHERE shard = ?').pluck(),
      rows: db.prepare('SELECT rows FROM catalog WHERE shard = ?').pluck(),
    };
    prepared.set(db, st);
  }
  return st;
}

function unreadable<T>(decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    throw new UnusableIndex(`unreadable catalog: ${(err as Error).message}`);
  }
}

/** Writes shard by shard: `put(shard, entries)` stores the entries (sorted by id) as that shard, and returns its keys and summary. */
export function shardWriter(
  db: IndexDb,
): (shard: number, entries: readonly CatalogEntry[]) => { keys: CatalogKey[]; summary: ShardSummary } {
  const put = db.prepare('INSERT OR REPLACE INTO catalog (shard, digest, bugs, damaged, keys, rows) VALUES (?, ?, ?, ?, ?, ?)');
  return (shard, entries) => {
    const { keys, rows } = encodeCatalog(entries);
    const damaged = entries.filter((e) => e.damaged).length;
    const summary = { digest: headsDigest(entries.map((e) => [e.id, e.head])), bugs: entries.length - damaged, damaged };
    put.run(shard, summary.digest, summary.bugs, summary.damaged, keys, rows);
    // Built field by field: an object rest spread per entry is a slow path in V8.
    return { keys: entries.map((e) => ({ id: e.id, n: e.n, head: e.head, uses: e.uses, damaged: e.damaged })), summary };
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

/**
 * Counts a write of the catalog (in the writer's transaction), and returns
 * the new count: a list view stored at an earlier count no longer describes it.
 */
export function countWrite(db: IndexDb): number {
  const count = db.prepare("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'writes' RETURNING value").pluck().get();
  return Number(count);
}

/** How many writes the catalog has had (countWrite). */
export function readWrites(db: IndexDb): number {
  return Number(db.prepare("SELECT value FROM meta WHERE key = 'writes'").pluck().get());
}

/** The stored list view, if it describes the catalog as of `writes`; undefined otherwise, or when it does not decode. */
export function readListView(db: IndexDb, writes: number): ListView | undefined {
  const bytes = db.prepare('SELECT view FROM list_view WHERE writes = ?').pluck().get(writes) as Buffer | undefined;
  if (!bytes) return undefined;
  try {
    return decodeListView(bytes);
  } catch {
    // Only a shortcut: the lists are then built from the rows.
    return undefined;
  }
}

/**
 * Stores `view`, built from the catalog as of `writes`, unless the catalog has
 * been written since (by a newer worker). Never waits for a lock: a view is
 * only a shortcut for the next open, and the writer holding it is newer.
 */
export function storeListView(db: IndexDb, writes: number, view: ListView): void {
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    db.transaction(() => {
      if (readWrites(db) === writes) putListView(db, writes, view);
    }).immediate();
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}

/** Stores `view` as the catalog's as of `writes` (in the caller's transaction). */
export function putListView(db: IndexDb, writes: number, view: ListView): void {
  db.prepare('INSERT OR REPLACE INTO list_view (one, writes, view) VALUES (1, ?, ?)').run(writes, encodeListView(view));
}
