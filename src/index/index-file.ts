// One repository's persisted bug index: a SQLite file under DATA/cache/,
// written only by that repository's worker. This module knows the file: where
// it lives, its schema and version, and when a file is not ours to trust
// (foreign, older, corrupt: then it is thrown away and rebuilt from the refs,
// which are the truth; the index is only ever a copy of what they say).

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, relative, sep } from 'node:path';
import Database from 'better-sqlite3';
import { dataDirAt } from '../data/dir.js';

export type IndexDb = Database.Database;

/** Marks a file as ours; a file without it is foreign. */
const FORMAT = 'bugserve-bug-index';
/** Bumped whenever the tables or what a row holds change: an older file is rebuilt. */
export const SCHEMA_VERSION = 11;

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE identities (id TEXT PRIMARY KEY, head TEXT NOT NULL, identity TEXT NOT NULL) WITHOUT ROWID;
-- The catalog (catalog.ts, catalog-table.ts): every bug's head, identities
-- used and list row or damage; per shard of bug ids, the fingerprint of its
-- heads, its counts, its keys and its rows. Written in the same transaction
-- as the pages it describes.
CREATE TABLE catalog (
  shard INTEGER PRIMARY KEY, digest TEXT NOT NULL, bugs INTEGER NOT NULL, damaged INTEGER NOT NULL,
  keys TEXT NOT NULL, rows TEXT NOT NULL
);
-- One row per compiled bug: its API JSON, sent as it stands; its list excerpt
-- (a list answered from the list view reads its page's bugs from here).
CREATE TABLE bugs (n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, page TEXT NOT NULL, excerpt TEXT NOT NULL);
-- The list view (list-view.ts), valid while meta.writes still equals its writes.
CREATE TABLE list_view (one INTEGER PRIMARY KEY CHECK (one = 1), writes INTEGER NOT NULL, view BLOB NOT NULL);
-- A compiled bug's title and comments as written (bug-texts.ts): list
-- snippets, terms that span words, and the words a row held when it changes.
CREATE TABLE bug_body (n INTEGER PRIMARY KEY, body BLOB NOT NULL);
-- Free text (word-index.ts): the distinct words of every compiled bug's
-- lowercased title and comments (bugText), each with the rows (bugs.n)
-- holding it: per block of 256 rows that has one, the block and a bitmap.
-- An id is never given twice (AUTOINCREMENT): word_positions names words by id.
CREATE TABLE words (id INTEGER PRIMARY KEY AUTOINCREMENT, word TEXT NOT NULL UNIQUE, rows BLOB NOT NULL);
-- Phrases (word-positions.ts): per word and block of 256 rows (key: word id
-- * 2^24 + block, one lookup), where the word stands in each row holding it.
CREATE TABLE word_positions (key INTEGER PRIMARY KEY, data BLOB NOT NULL);
`;

/** The file of repository `name` ("group/app") under the cache folder. */
export function indexFileFor(cacheDir: string, name: string): string {
  return join(cacheDir, `${name}.sqlite`);
}

/**
 * The index of a bare repository at DATA/repos/<name>.git, when the server
 * has written one (DATA/cache/<name>.sqlite); undefined otherwise.
 */
export function existingIndexFileOf(gitDir: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(gitDir);
  } catch {
    return undefined;
  }
  for (let dir = dirname(real); dir !== dirname(dir); dir = dirname(dir)) {
    const data = dataDirAt(dirname(dir));
    if (data.repos !== dir) continue;
    const name = relative(dir, real)
      .split(sep)
      .join('/')
      .replace(/\.git$/, '');
    const file = indexFileFor(data.cache, name);
    return existsSync(file) ? file : undefined;
  }
  return undefined;
}

/** A file that is not a usable index of ours; it gets discarded. */
export class UnusableIndex extends Error {}

/** SQLite's codes for a file whose bytes are not a sound database. */
export function isCorruption(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return (
    err instanceof UnusableIndex ||
    code === 'SQLITE_CORRUPT' ||
    code === 'SQLITE_NOTADB' ||
    (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT'))
  );
}

/** A folder or disk that will not take writes: the worker then serves from memory. */
export function isWriteFailure(err: unknown): boolean {
  const raw = (err as { code?: unknown }).code;
  const code = typeof raw === 'string' ? raw : '';
  return (
    /^SQLITE_(FULL|READONLY|CANTOPEN|IOERR|PERM|BUSY|LOCKED)/.test(code) || ['EACCES', 'EROFS', 'ENOSPC', 'EPERM', 'EDQUOT'].includes(code)
  );
}

/** The files SQLite keeps beside a database in use. */
const companionsOf = (file: string) => [`${file}-wal`, `${file}-shm`, `${file}-journal`];

/** Removes the file and its WAL companions. */
export function discardIndexFile(file: string): void {
  for (const f of [file, ...companionsOf(file)]) rmSync(f, { force: true });
}

/** Bytes on disk, WAL included. */
export function indexBytes(file: string): number {
  let total = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      total += statSync(f).size;
    } catch {
      // not there: nothing to count
    }
  }
  return total;
}

/**
 * Opens (creating if needed, unless `create` is false) the index for
 * writing. Throws UnusableIndex or a SQLite corruption error for a file that
 * must be discarded, and a write failure for a folder that cannot hold one.
 */
export function openIndexFile(file: string, { create = true } = {}): IndexDb {
  if (create) mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { timeout: 10_000, fileMustExist: !create });
  try {
    // Kept in the file: one that exists is in WAL mode already (and changing nothing, it stays unwritten).
    if (create) db.pragma('journal_mode = WAL');
    readMapped(db);
    // A crash loses at most the last transaction, never consistency: the refs
    // rebuild whatever a lost transaction held.
    db.pragma('synchronous = NORMAL');
    const tables = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").pluck().get() as number;
    if (tables === 0 && !create) throw new UnusableIndex('an empty file');
    if (tables === 0) db.transaction(() => createSchema(db))();
    else checkOurs(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Reads through a memory map of the file: an open reads megabytes of catalog
 * and a page read its bug's bytes, each page otherwise a read() call of its
 * own (slow on this kind of VM). The map is address space, not memory; the
 * pages read stay in the OS's page cache, shared, as they would anyway.
 */
function readMapped(db: IndexDb): void {
  db.pragma(`mmap_size = ${MMAP_BYTES}`);
}

/**
 * Reads `db` through its memory map (again), or not while it waits unused
 * (a spare's connection): measured, an idle connection in one thread that
 * keeps its map slowed another thread's reads of the same file, its bug
 * pages ~2x (685 µs to 1.5 ms); without its map, hardly.
 */
export function mapIndexFile(db: IndexDb, mapped: boolean): void {
  if (mapped) readMapped(db);
  else db.pragma('mmap_size = 0');
}

const MMAP_BYTES = 1 << 30;

function createSchema(db: IndexDb): void {
  db.exec(SCHEMA);
  const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
  put.run('format', FORMAT);
  put.run('schema', String(SCHEMA_VERSION));
  // Counted up by every write of the catalog (catalog-table.ts).
  put.run('writes', '0');
}

const BULK = '.new-';

/**
 * A new, empty index for a first write, beside `file` under a name of its
 * own: written without a journal (nothing reads it until it is installed),
 * so 10k bugs' pages are written once instead of twice (WAL, then
 * checkpoint). Left-over bulk files of writes cut short are removed.
 */
export function createBulkIndexFile(file: string): { db: IndexDb; path: string } {
  mkdirSync(dirname(file), { recursive: true });
  const prefix = basename(file) + BULK;
  for (const name of readdirSync(dirname(file))) if (name.startsWith(prefix)) rmSync(join(dirname(file), name), { force: true });
  const path = file + BULK + randomBytes(6).toString('hex');
  const db = new Database(path);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    createSchema(db);
    return { db, path };
  } catch (err) {
    db.close();
    rmSync(path, { force: true });
    throw err;
  }
}

/**
 * Puts a complete bulk file in place of `file` (its bytes on disk first, the
 * old file's WAL removed with it) and opens it as usual. A reader that has
 * the old file open keeps reading the old file.
 */
export function installBulkIndexFile(db: IndexDb, path: string, file: string): IndexDb {
  db.close();
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  for (const f of companionsOf(file)) rmSync(f, { force: true });
  renameSync(path, file);
  return openIndexFile(file);
}

/** Opens an existing index for reading only (`bugserve bugs` beside a running server). */
export function openIndexFileReadOnly(file: string): IndexDb {
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 10_000 });
  try {
    readMapped(db);
    checkOurs(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function checkOurs(db: IndexDb): void {
  let meta: Map<string, string>;
  try {
    const rows = db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[];
    meta = new Map(rows.map((r) => [r.key, r.value]));
  } catch (err) {
    if (isCorruption(err) || isWriteFailure(err)) throw err;
    throw new UnusableIndex('not a bugserve index (no meta table)');
  }
  if (meta.get('format') !== FORMAT) throw new UnusableIndex('not a bugserve index');
  const schema = meta.get('schema');
  if (schema !== String(SCHEMA_VERSION)) {
    throw new UnusableIndex(`schema version ${schema ?? 'none'}, this bugserve writes ${SCHEMA_VERSION}`);
  }
}
