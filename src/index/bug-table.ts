// The `bugs` and `bug_body` tables (their schema is in index-file.ts): every
// statement on them, so that what a row holds is said in one place. A bug's
// row number `n` is what the catalog, the list view and the word index name.

import type { IndexDb } from './index-file.js';

/** Reads a row's parts; each is undefined when the row is not there. */
export interface BugTableReader {
  /**
   * The API JSON of row n, as a BLOB: the stored UTF-8 bytes in a new buffer,
   * ~10x cheaper than a JS string for a long page, and the worker can move
   * the buffer away.
   */
  page(n: number): Buffer | undefined;
  pageById(id: string): Buffer | undefined;
  excerpt(n: number): string | undefined;
  /** The texts of row n (bug-texts.ts). */
  body(n: number): Buffer | undefined;
  idOf(n: number): string | undefined;
  /** At most two ids in [low, high), in order: enough to tell one match from several. */
  idsFrom(low: string, high: string): string[];
  /** Every row's id and page (a whole snapshot, for `bugserve bugs`). */
  allPages(): [string, string][];
}

export function bugTableReader(db: IndexDb): BugTableReader {
  // Each statement prepared on first use: most readers use one or two (a
  // push's open reads a few bodies), and preparing costs ~15 µs each.
  const statement = (sql: string) => {
    let prepared: ReturnType<IndexDb['prepare']> | undefined;
    return () => (prepared ??= db.prepare(sql).pluck());
  };
  const page = statement('SELECT CAST(page AS BLOB) FROM bugs WHERE n = ?');
  const pageById = statement('SELECT CAST(page AS BLOB) FROM bugs WHERE id = ?');
  const excerpt = statement('SELECT excerpt FROM bugs WHERE n = ?');
  const body = statement('SELECT body FROM bug_body WHERE n = ?');
  const idOf = statement('SELECT id FROM bugs WHERE n = ?');
  const idRange = statement('SELECT id FROM bugs WHERE id >= ? AND id < ? ORDER BY id LIMIT 2');
  return {
    page: (n) => page().get(n) as Buffer | undefined,
    pageById: (id) => pageById().get(id) as Buffer | undefined,
    excerpt: (n) => excerpt().get(n) as string | undefined,
    body: (n) => body().get(n) as Buffer | undefined,
    idOf: (n) => idOf().get(n) as string | undefined,
    idsFrom: (low, high) => idRange().all(low, high) as string[],
    allPages: () => db.prepare('SELECT id, page FROM bugs').raw().all() as [string, string][],
  };
}

export interface BugTableWriter {
  /** Writes bug `id`'s page and excerpt over any it had; returns its row number. */
  put(id: string, page: string, excerpt: string): number;
  putBody(n: number, body: Buffer): void;
  /** Removes row n and its texts. */
  drop(n: number): void;
}

export function bugTableWriter(db: IndexDb): BugTableWriter {
  const upsert = db
    .prepare(
      'INSERT INTO bugs (id, page, excerpt) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET page = excluded.page, excerpt = excluded.excerpt RETURNING n',
    )
    .pluck();
  const putBody = db.prepare('INSERT OR REPLACE INTO bug_body (n, body) VALUES (?, ?)');
  const deletePage = db.prepare('DELETE FROM bugs WHERE n = ?');
  const deleteBody = db.prepare('DELETE FROM bug_body WHERE n = ?');
  return {
    put: (id, page, excerpt) => upsert.get(id, page, excerpt) as number,
    putBody: (n, body) => void putBody.run(n, body),
    drop(n) {
      deletePage.run(n);
      deleteBody.run(n);
    },
  };
}
