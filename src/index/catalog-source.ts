// The catalog as a worker's view reads it: counts at once, every bug's key and
// then every row only when first needed. From an index just opened, both are
// read from the snapshot the open wrote (a read transaction held until the
// rows are in), because a newer worker, opened after another push, may write
// the file meanwhile; a shard that does not decode then discards the file,
// so the next open rebuilds it. From a first write, both are in memory.

import { SHARDS, type BugRow, type CatalogEntry, type CatalogKey } from './catalog.js';
import { readKeys, readListView, readRows, readWrites, type ShardSummary } from './catalog-table.js';
import type { ListView } from './list-view.js';
import { discardIndexFile, isCorruption, type IndexDb } from './index-file.js';

export interface CatalogSource {
  /** compiled bugs */
  readonly bugs: number;
  /** damaged bugs */
  readonly damaged: number;
  /** Every bug's key, sorted by id. */
  keys(): readonly CatalogKey[];
  /** Their list rows, in the same order (null for a damaged bug); the last thing read. */
  rows(): readonly (BugRow | null)[];
  /** countWrite's count as of this catalog */
  readonly writes: number;
  /** The stored list view of this catalog, while no row has been read; undefined when there is none. */
  listView(): ListView | undefined;
  /**
   * Reads keys and rows ahead of keys() and rows(), a shard at a time, until
   * `until` (performance.now()); true once all are read. So a worker can read
   * them between requests, never holding one up for long.
   */
  readAhead(until: number): boolean;
}

/** A first write's catalog: `entries` sorted by id, written as write number `writes`. */
export function catalogInMemory(entries: readonly CatalogEntry[], writes: number): CatalogSource {
  const rows = entries.map((e) => e.row);
  const damaged = rows.filter((r) => r === null).length;
  return {
    bugs: entries.length - damaged,
    damaged,
    keys: () => entries,
    rows: () => rows,
    writes,
    listView: () => undefined,
    readAhead: () => true,
  };
}

/** One shard as an open left it: its summary, and its keys and rows when the open read or wrote them. */
export interface OpenedShard {
  summary: ShardSummary;
  keys?: CatalogKey[];
  rows?: (BugRow | null)[];
}

export class SnapshotCatalog implements CatalogSource {
  readonly bugs: number;
  readonly damaged: number;
  readonly writes: number;
  private view: ListView | null | undefined;
  private sorted: readonly CatalogKey[] | undefined;
  /** sorted differs from the shards' keys in shard order (a damaged ref's odd name) */
  private reordered = false;

  constructor(
    private readonly db: IndexDb,
    private readonly file: string,
    private readonly shards: OpenedShard[],
  ) {
    this.bugs = shards.reduce((n, s) => n + s.summary.bugs, 0);
    this.damaged = shards.reduce((n, s) => n + s.summary.damaged, 0);
    db.exec('BEGIN');
    this.writes = readWrites(db);
  }

  listView(): ListView | undefined {
    if (this.view === undefined) this.view = (this.db.inTransaction && readListView(this.db, this.writes)) || null;
    return this.db.inTransaction ? (this.view ?? undefined) : undefined;
  }

  keys(): readonly CatalogKey[] {
    if (this.sorted) return this.sorted;
    const flat: CatalogKey[] = [];
    this.reading(() => {
      for (let k = 0; k < SHARDS; k++) {
        const shard = this.shards[k];
        shard.keys ??= readKeys(this.db, k);
        for (const key of shard.keys) flat.push(key);
      }
    });
    // Shards in order are ids in order, unless a damaged ref's odd name sits in one.
    this.reordered = !flat.every((k, i) => i === 0 || flat[i - 1].id < k.id);
    this.sorted = this.reordered ? [...flat].sort((a, b) => (a.id < b.id ? -1 : 1)) : flat;
    return this.sorted;
  }

  rows(): readonly (BugRow | null)[] {
    const keys = this.keys();
    const all: (BugRow | null)[] = [];
    try {
      this.reading(() => {
        for (let k = 0; k < SHARDS; k++) {
          const shard = this.shards[k];
          for (const r of shard.rows ?? readRows(this.db, k, shard.keys!)) all.push(r);
        }
      });
    } finally {
      if (this.db.inTransaction) this.db.exec('COMMIT');
    }
    if (!this.reordered) return all;
    const byId = new Map(this.shards.flatMap((s) => s.keys!).map((key, i) => [key.id, all[i]]));
    return keys.map((key) => byId.get(key.id) ?? null);
  }

  readAhead(until: number): boolean {
    let all = true;
    this.reading(() => {
      for (const [k, shard] of this.shards.entries()) {
        if (shard.keys && shard.rows) continue;
        if (performance.now() >= until) {
          all = false;
          return;
        }
        shard.keys ??= readKeys(this.db, k);
        shard.rows = readRows(this.db, k, shard.keys);
      }
    });
    return all;
  }

  private reading(read: () => void): void {
    try {
      read();
    } catch (err) {
      if (isCorruption(err)) discardIndexFile(this.file);
      throw err;
    }
  }
}
