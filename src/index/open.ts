// Opening a repository through its persisted index: list the refs, diff them
// against the index, compile only what changed, write it in one transaction,
// then answer from the index. The refs are the truth: nothing here trusts the
// index beyond "this bug was compiled from this head, with these identities".
// Only the catalog shards whose refs moved are even decoded (their stored
// fingerprint differs from the listed refs'); the rest is read after the
// open has answered, when a list first needs it (catalog-source.ts).
//
// A bug is compiled again when its head moved, when an identity it looked up
// moved or went away (names are copied into bugs), or when it was damaged
// (damage can come from outside the bug: a missing identity). A file that is
// not a sound index of ours is discarded and rebuilt; a folder that takes no
// writes makes the worker serve from memory. Either is reported once, in
// `notices`, for the caller to log.
//
// A first build (nothing on disk yet) answers from memory at once and writes
// its index afterwards, a few milliseconds at a time (`pending`): writing
// 10k bugs' pages and text costs more than compiling them, and nobody should
// wait for it.

import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { RepoIndex, publicBug, type RepoView } from '../cache/repo-index.js';
import type { GitStore } from '../git/store.js';
import { loadRepository, type LoadedRepository, type LoadOptions } from '../gitbug/load.js';
import { BUGS_PREFIX, IDENTITIES_PREFIX } from '../gitbug/refs.js';
import { bugText } from '../gitbug/query-match.js';
import type { CompiledBug, DamagedBug, Identity } from '../gitbug/types.js';
import { bugTextIn, encodeTexts } from './bug-texts.js';
import { bugTableReader, bugTableWriter } from './bug-table.js';
import { WordIndexWriter, wordsOf } from './word-index.js';
import { wordPositions, WordPositionWriter } from './word-positions.js';
import { bugRefsOf, listRefs, shardRefs, type ListedRefs } from './listed-refs.js';
import { encodeCatalog, excerptJson, SHARDS, shardOf, toRow, type BugRow, type CatalogEntry, type CatalogKey } from './catalog.js';
import {
  byShard,
  countWrite,
  putListView,
  readKeys,
  readListView,
  readRows,
  readSummaries,
  readWrites,
  shardWriter,
  type ShardSummary,
} from './catalog-table.js';
import { updateListView, type ListView, type WrittenBug } from './list-view.js';
import { catalogInMemory, SnapshotCatalog, type OpenedShard } from './catalog-source.js';
import {
  discardIndexFile,
  indexBytes,
  isCorruption,
  isWriteFailure,
  mapIndexFile,
  createBulkIndexFile,
  installBulkIndexFile,
  openIndexFile,
  openIndexFileReadOnly,
  type IndexDb,
} from './index-file.js';
import { IndexedRepo } from './indexed-repo.js';

export type BuildKind = 'full' | 'incremental';

export interface OpenedRepository {
  view: RepoView;
  /** full: nothing usable was on disk (or no index at all); incremental: a diff against it */
  kind: BuildKind;
  /** bugs compiled by this open */
  refreshed: number;
  /** what went wrong with the index file, one line each, for the log */
  notices: string[];
  /** the index file's size after the open (0 without one) */
  indexBytes: number;
  /** refsFingerprint of the refs this open read */
  refs: string;
  /** set when answering from the persisted index */
  db?: IndexDb;
  /** a first build's index, still to be written: call step() until done */
  pending?: PendingWrite;
}

/** Where a pending write stands after a step. */
export type WriteStep =
  | { done: false }
  /** view: answer from the index from now on (absent when the write failed: keep the memory view) */
  | { done: true; view?: RepoView; db?: IndexDb; indexBytes: number; notices: string[] };

export interface PendingWrite {
  /** Writes for about `budgetMs`, in whole transactions. */
  step(budgetMs: number): WriteStep;
}

interface OldIdentity {
  head: string;
  identity: string;
  /** `identity` parsed, once asked for */
  parsed?: Identity;
}

/** Compiles everything into memory: no index, or one that cannot be written. */
async function inMemory(store: GitStore, notices: string[]): Promise<OpenedRepository> {
  const repo = await loadRepository(store);
  const refreshed = repo.bugs.length + repo.damaged.length;
  const refs = refsFingerprint(shardRefs(repo.bugRefs).digests, repo.identityRefs);
  return { view: new RepoIndex(repo), kind: 'full', refreshed, notices, indexBytes: 0, refs };
}

const notWritable = (file: string, err: unknown) => `cannot write the bug index ${file} (${(err as Error).message}); serving from memory`;

/**
 * Opens the repository read through `store`, using (and updating) the index
 * at `file` when given; `prepared`, a rehearsal's, while it still holds.
 */
export async function openRepository(store: GitStore, file: string | undefined, prepared?: PreparedIndex): Promise<OpenedRepository> {
  const notices: string[] = [];
  if (!file) {
    prepared?.db.close();
    return inMemory(store, notices);
  }
  for (let attempt = 0; ; attempt++) {
    let db: IndexDb | undefined;
    try {
      const ready = attempt === 0 ? stillPrepared(prepared, file) : undefined;
      db = ready?.db ?? openIndexFile(file);
      return { ...(await refresh(db, store, file, ready?.old)), notices };
    } catch (err) {
      db?.close();
      if (isCorruption(err) && attempt === 0) {
        notices.push(`discarded the bug index ${file}: ${(err as Error).message}; rebuilding it`);
        discardIndexFile(file);
        continue;
      }
      if (isWriteFailure(err)) {
        notices.push(notWritable(file, err));
        return inMemory(store, notices);
      }
      throw err;
    }
  }
}

/** refsFingerprint of the refs as they are now. */
export async function currentRefs(store: GitStore): Promise<string> {
  const listed = await listRefs(store);
  return refsFingerprint(listed.digests, listed.identities);
}

/**
 * A fingerprint of git-bug's refs: equal fingerprints, equal refs. A worker
 * proves with it that a later listing changed nothing. Made of the catalog
 * shards' headsDigests, which an open computes anyway.
 */
function refsFingerprint(digests: readonly string[], identityRefs: ReadonlyMap<string, string>): string {
  const identities = [...identityRefs].map(([ref, head]) => `${ref} ${head}\n`).sort();
  return createHash('sha1').update(digests.join('\n')).update('\n').update(identities.join('')).digest('hex');
}

/**
 * Finishes what an open left for later: runs a pending write to its end, and
 * reads the list rows (the CLI and tests; a worker does both between requests).
 */
export function finishOpen(opened: OpenedRepository): OpenedRepository {
  let finished = opened;
  while (finished.pending) {
    const step = finished.pending.step(Infinity);
    if (!step.done) continue;
    const { pending: _, ...rest } = finished;
    finished = {
      ...rest,
      view: step.view ?? rest.view,
      ...(step.db ? { db: step.db } : {}),
      indexBytes: step.indexBytes,
      notices: [...rest.notices, ...step.notices],
    };
  }
  finished.view.warm();
  return finished;
}

/** What the index holds before an open: each catalog shard's summary, and the identities. */
export interface OldIndex {
  shards: ShardSummary[];
  /** false before a first write has completed (nothing to diff against) */
  written: boolean;
  identities: Map<string, OldIdentity>;
}

function readIndex(db: IndexDb): OldIndex {
  const { shards, written } = readSummaries(db);
  const identities = new Map<string, OldIdentity>();
  for (const [id, head, identity] of db.prepare('SELECT id, head, identity FROM identities').raw().iterate() as IterableIterator<
    [string, string, string]
  >) {
    identities.set(id, { head, identity });
  }
  return { shards, written, identities };
}

/** What an open learns before it compiles anything: the refs, the index's state, and what to compile. */
interface Diff {
  old: OldIndex;
  listed: ListedRefs;
  moved: Set<string>;
  /** the keys of the shards to diff */
  diffed: Map<number, CatalogKey[]>;
}

/** Diffs the refs against the index in `db`, whose contents may have been read already (`known`). */
async function diffRefs(db: IndexDb, store: GitStore, known?: OldIndex): Promise<Diff> {
  // Listed from the ref files (or by git, in a process of its own, while this thread reads the index).
  const listing = listRefs(store);
  let old: OldIndex;
  try {
    old = known ?? readIndex(db);
  } catch (err) {
    await listing.catch(() => undefined);
    throw err;
  }
  const listed = await listing;
  const moved = movedIdentities(listed.identities, old.identities);
  const diffed = new Map<number, CatalogKey[]>();
  if (old.written) {
    // Only shards whose refs moved are decoded and diffed; also those holding
    // damaged bugs (compiled again on every open), and all of them when an
    // identity moved (any bug may have copied its name).
    old.shards.forEach((s, k) => {
      if (moved.size > 0 || s.damaged > 0 || listed.digests[k] !== s.digest) diffed.set(k, readKeys(db, k));
    });
  }
  return { old, listed, moved, diffed };
}

async function refresh(db: IndexDb, store: GitStore, file: string, known?: OldIndex): Promise<Omit<OpenedRepository, 'notices'>> {
  const { old, listed, moved, diffed } = await diffRefs(db, store, known);
  const loaded = await loadRepository(store, diffPlan(listed, old, diffed, moved));
  const refreshed = loaded.bugs.length + loaded.damaged.length;
  const refs = refsFingerprint(listed.digests, listed.identities);

  if (!old.written) {
    // Nothing to diff against: this connection is done; the first write makes a new file.
    db.close();
    return { view: new RepoIndex(loaded), kind: 'full', refreshed, indexBytes: 0, refs, pending: firstWrite(file, loaded) };
  }
  const shards = writeChanges(db, loaded, old, diffed, moved);
  const view = new IndexedRepo(db, new SnapshotCatalog(db, file, shards), loaded.identities);
  return { view, kind: 'incremental', refreshed, indexBytes: indexBytes(file), refs, db };
}

/**
 * An index opened ahead of an open, by a spare's rehearsal: the file open (a
 * first connection to a WAL file costs an open ~10-20 ms), and what the open
 * reads of it first, identities parsed. Good while the file at its path is
 * the one opened (its inode: the open connection keeps that inode from being
 * reused) and nothing was written to it since (its write count).
 */
export interface PreparedIndex {
  file: string;
  db: IndexDb;
  ino: bigint;
  writes: number;
  old: OldIndex;
}

/** The inode of the file at `file` now, if there is one. */
const inodeOf = (file: string) => statSync(file, { bigint: true, throwIfNoEntry: false })?.ino;

/** `prepared`, if it still describes the index at `file`; otherwise closed and undefined. */
function stillPrepared(prepared: PreparedIndex | undefined, file: string): PreparedIndex | undefined {
  if (!prepared) return undefined;
  try {
    if (prepared.file === file && inodeOf(file) === prepared.ino && readWrites(prepared.db) === prepared.writes) {
      mapIndexFile(prepared.db, true);
      return prepared;
    }
  } catch {
    // Unreadable now: the open reads the file afresh, and reports what is wrong.
  }
  prepared.db.close();
  return undefined;
}

/**
 * An open that changes nothing, for a spare worker while it waits: the first
 * run of this code in a thread is several times slower than later ones (V8
 * compiles it lazily, then runs it in its interpreter), and after a push a
 * visitor waits for exactly that run. So a spare runs it once beforehand, on
 * the repository last built (the likeliest to be pushed to next): the refs
 * listed and diffed, the keys of one shard decoded, one bug compiled from git
 * as if its head had moved, its catalog entry encoded and the list view
 * carried over it, its page read. Nothing is written. What it read of the
 * index is kept (PreparedIndex) for the real open; whatever fails only
 * leaves the spare as cold as it was.
 */
export async function rehearseOpen(store: GitStore, file: string): Promise<PreparedIndex | undefined> {
  const ino = inodeOf(file);
  if (ino === undefined) return undefined;
  const db = openIndexFile(file, { create: false });
  try {
    // The connection is on the file seen above only if that is still there (and then it keeps it).
    if (inodeOf(file) !== ino) throw new Error('the index file was replaced');
    const { writes, old } = db.transaction(() => ({ writes: readWrites(db), old: readIndex(db) }))();
    const { listed, moved, diffed } = await diffRefs(db, store, old);
    const shard = old.shards.findIndex((s) => s.bugs > 0);
    const keys = shard < 0 ? [] : (diffed.get(shard) ?? readKeys(db, shard));
    const key = keys.find((k) => k.damaged === null);
    if (key) {
      const plan = diffPlan(listed, old, new Map([[shard, keys]]), moved);
      const loaded = await loadRepository(store, { ...plan, wantBug: (id) => id === key.id });
      const entries = loaded.bugs.map((b): CatalogEntry => ({ ...key, row: toRow(b) }));
      encodeCatalog(entries);
      carriedView(db, writes, entries, []);
      for (const e of entries) excerptJson(e.row!);
      bugTableReader(db).pageById(key.id);
    }
    mapIndexFile(db, false);
    return { file, db, ino, writes, old };
  } catch (err) {
    db.close();
    throw err;
  }
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Identities the index holds that now have another head, or none. */
function movedIdentities(identityRefs: ReadonlyMap<string, string>, old: ReadonlyMap<string, OldIdentity>): Set<string> {
  const moved = new Set<string>();
  for (const [id, o] of old) if (identityRefs.get(IDENTITIES_PREFIX + id) !== o.head) moved.add(id);
  return moved;
}

/** What to compile again, given what the index holds: see the top of this file. */
function diffPlan(
  listed: ListedRefs,
  old: OldIndex,
  /** the keys of the shards to diff; the others' refs did not move */
  diffed: ReadonlyMap<number, readonly CatalogKey[]>,
  moved: ReadonlySet<string>,
): LoadOptions {
  const catalog = new Map<string, CatalogKey>();
  for (const keys of diffed.values()) for (const k of keys) catalog.set(k.id, k);
  return {
    // Only the diffed shards' refs can hold a bug to compile (or one gone).
    refs: { bugs: old.written ? bugRefsOf(listed, diffed.keys()) : bugRefsOf(listed), identities: listed.identities },
    reuseIdentity: (id, head) => {
      const o = old.identities.get(id);
      if (!o || o.head !== head) return undefined;
      return (o.parsed ??= JSON.parse(o.identity) as Identity);
    },
    wantBug: (id, head) => {
      if (old.written && !diffed.has(shardOf(id))) return false;
      const k = catalog.get(id);
      if (!k || k.head !== head || k.damaged !== null) return true;
      return moved.size > 0 && k.uses.some((u) => moved.has(u));
    },
  };
}

/**
 * The statements that write bugs and identities. `newFile`: the index is a
 * new, empty file (a first write), so no row holds words yet.
 */
function writer(db: IndexDb, loaded: LoadedRepository, newFile = false) {
  const rows = bugTableWriter(db);
  const read = bugTableReader(db);
  const words = new WordIndexWriter(db);
  const positions = new WordPositionWriter(db, (word) => words.idOf(word));
  /** The words row n holds now (none for a new row, nor in a new file). */
  const wordsAt = (n: number) => {
    const body = newFile ? undefined : read.body(n);
    return body === undefined ? new Set<string>() : wordsOf(bugTextIn(body));
  };
  const putIdentity = db.prepare('INSERT OR REPLACE INTO identities (id, head, identity) VALUES (?, ?, ?)');
  const deleteIdentity = db.prepare('DELETE FROM identities WHERE id = ?');
  const headOf = (id: string) => loaded.bugRefs.get(BUGS_PREFIX + id)!;
  return {
    /** Writes a compiled bug's page and text (over any left by an interrupted write); its catalog entry. */
    bug(b: CompiledBug): CatalogEntry {
      const row = toRow(b);
      const n = rows.put(b.id, JSON.stringify(publicBug(b)), excerptJson(row));
      const before = wordsAt(n);
      const after = wordPositions(bugText(b));
      words.change(n, before, after);
      positions.change(n, before, after);
      rows.putBody(n, encodeTexts(b));
      return { id: b.id, n, head: headOf(b.id), uses: loaded.uses.get(b.id) ?? [], row, damaged: null };
    },
    /** Removes what the index held for bug row n (gone, or damaged now). */
    drop(n: number): void {
      if (n === 0) return;
      const before = wordsAt(n);
      words.change(n, before, new Set());
      positions.change(n, before, undefined);
      rows.drop(n);
    },
    /** The catalog entry of a bug that could not be compiled (it has no page or text). */
    damaged(d: DamagedBug): CatalogEntry {
      return { id: d.id, n: 0, head: headOf(d.id), uses: loaded.uses.get(d.id) ?? [], row: null, damaged: d };
    },
    /** Applies identityChanges(): changed identities written, gone ones removed. */
    identities(changes: IdentityChanges): void {
      for (const id of changes.gone) deleteIdentity.run(id);
      for (const id of changes.changed) putIdentity.run(id, identityHead(loaded, id)!, JSON.stringify(loaded.identities.get(id)));
    },
    /** Stores a shard's entries (sorted by id); returns its keys and summary. */
    shard: shardWriter(db),
    /** Writes the words of the bugs written and dropped so far (before the commit). */
    flushWords() {
      words.flush();
      positions.flush();
    },
  };
}

/**
 * Brings the index to the refs' state in one transaction (a crash leaves the
 * old state whole), and returns every shard as it now stands. Only `diffed`
 * shards can hold a change (see refresh); of those, the ones holding one
 * are read whole and written again.
 */
function writeChanges(
  db: IndexDb,
  loaded: LoadedRepository,
  old: OldIndex,
  diffed: ReadonlyMap<number, CatalogKey[]>,
  /** identities whose head moved or went (movedIdentities) */
  moved: ReadonlySet<string>,
): OpenedShard[] {
  const w = writer(db, loaded);
  const shards: OpenedShard[] = old.shards.map((summary, k) => ({ summary, keys: diffed.get(k) }));
  const before = new Map<string, CatalogKey>();
  for (const keys of diffed.values()) for (const k of keys) before.set(k.id, k);
  const gone = new Set([...before.keys()].filter((id) => !loaded.bugRefs.has(BUGS_PREFIX + id)));
  // None moved or went and none came (as many as before, every old one reused): nothing to look through.
  const same = moved.size === 0 && loaded.identities.size === old.identities.size;
  const identities = same ? { gone: [], changed: [] } : identityChanges(loaded, old.identities);
  // Nothing to write when nothing changed (a reopen after idle or a restart).
  const compiled = loaded.bugs.length + loaded.damaged.length;
  if (compiled === 0 && gone.size === 0 && identities.gone.length + identities.changed.length === 0) return shards;
  db.transaction(() => {
    const fresh = new Map<string, CatalogEntry>();
    for (const id of gone) w.drop(before.get(id)!.n);
    for (const b of loaded.bugs) fresh.set(b.id, w.bug(b));
    for (const d of loaded.damaged) {
      w.drop(before.get(d.id)?.n ?? 0);
      fresh.set(d.id, w.damaged(d));
    }
    w.identities(identities);
    w.flushWords();
    const writes = countWrite(db);
    const freshByShard = byShard(fresh.values());
    for (const k of new Set([...gone, ...fresh.keys()].map(shardOf))) {
      const keys = diffed.get(k) ?? readKeys(db, k);
      const rows = readRows(db, k, keys);
      const entries = freshByShard.get(k) ?? [];
      keys.forEach((key, i) => {
        if (!gone.has(key.id) && !fresh.has(key.id)) entries.push({ ...key, row: rows[i] });
      });
      entries.sort(byId);
      const { keys: written, summary } = w.shard(k, entries);
      shards[k] = { summary, keys: written, rows: entries.map((e) => e.row) };
    }
    const dropped = [...gone, ...loaded.damaged.map((d) => d.id)].map((id) => before.get(id)?.n ?? 0);
    const view = carriedView(db, writes - 1, fresh.values(), dropped);
    if (view) putListView(db, writes, view);
  })();
  return shards;
}

/**
 * The list view stored as of `writes`, carried over a write of the bugs
 * `fresh` (rows `dropped` gone), so that the lists right after a push need
 * no row (see list-view.ts); undefined without one, or when too much changed.
 */
function carriedView(db: IndexDb, writes: number, fresh: Iterable<CatalogEntry>, dropped: number[]): ListView | undefined {
  const view = readListView(db, writes);
  if (!view) return undefined;
  const written: WrittenBug[] = [];
  for (const { id, n, row } of fresh) {
    if (!row) continue;
    const { status, createClock, editClock, createdAt, editedAt } = row;
    written.push({ id, n, status, createClock, editClock, createdAt, editedAt });
  }
  const read = bugTableReader(db);
  return updateListView(view, new Set(dropped.filter((n) => n > 0)), written, (n) => read.idOf(n)!);
}

interface IdentityChanges {
  /** in the index, no longer readable from the refs */
  gone: string[];
  /** new, or at another head */
  changed: string[];
}

/** The head identity `id` was read from. */
const identityHead = (loaded: LoadedRepository, id: string) => loaded.identityRefs.get(IDENTITIES_PREFIX + id);

/** What writing the loaded identities over `old` changes. */
function identityChanges(loaded: LoadedRepository, old: ReadonlyMap<string, { head: string }>): IdentityChanges {
  return {
    gone: [...old.keys()].filter((id) => !loaded.identities.has(id)),
    changed: [...loaded.identities.keys()].filter((id) => old.get(id)?.head !== identityHead(loaded, id)),
  };
}

/** Bugs written between two looks at the clock in a first write. */
const WRITE_BATCH = 50;

/**
 * A first build's index, written after the build has answered, a step at a
 * time, into a new file (createBulkIndexFile) in one transaction: pages and
 * text, then identities and the catalog, then the file is installed. A write
 * cut short (a terminated worker, a crash) leaves the old file as it was.
 */
function firstWrite(file: string, loaded: LoadedRepository): PendingWrite {
  let bulk: { db: IndexDb; path: string; w: ReturnType<typeof writer> } | undefined;
  const entries = new Map<string, CatalogEntry>();
  let next = 0;
  return {
    step(budgetMs) {
      const until = performance.now() + budgetMs;
      try {
        if (!bulk) {
          const { db, path } = createBulkIndexFile(file);
          bulk = { db, path, w: writer(db, loaded, true) };
          db.exec('BEGIN');
        }
        const { db, path, w } = bulk;
        while (next < loaded.bugs.length) {
          for (const b of loaded.bugs.slice(next, next + WRITE_BATCH)) entries.set(b.id, w.bug(b));
          next += WRITE_BATCH;
          if (performance.now() >= until) return { done: false };
        }
        for (const d of loaded.damaged) entries.set(d.id, w.damaged(d));
        w.identities(identityChanges(loaded, new Map()));
        w.flushWords();
        const live = [...entries.values()].sort(byId);
        for (const [k, group] of byShard(live)) w.shard(k, group);
        const writes = countWrite(db);
        db.exec('COMMIT');
        bulk = undefined;
        const installed = installBulkIndexFile(db, path, file);
        const view = new IndexedRepo(installed, catalogInMemory(live, writes), loaded.identities);
        // The rows are in memory: build the lists now, as the memory view had them.
        view.warm();
        return { done: true, view, db: installed, indexBytes: indexBytes(file), notices: [] };
      } catch (err) {
        if (bulk) {
          bulk.db.close();
          discardIndexFile(bulk.path);
          bulk = undefined;
        }
        next = loaded.bugs.length;
        return { done: true, indexBytes: 0, notices: [notWritable(file, err)] };
      }
    },
  };
}

/**
 * The whole repository as of now, from an index another process writes
 * (`bugserve bugs` beside a running server): the index is read in one read
 * transaction (a consistent snapshot under WAL), never written; what it lacks
 * or holds stale is compiled here, in memory.
 */
export async function readRepository(store: GitStore, file: string): Promise<LoadedRepository> {
  const db = openIndexFileReadOnly(file);
  try {
    const listing = listRefs(store);
    listing.catch(() => undefined);
    const snapshot = db.transaction(() => {
      const old = readIndex(db);
      const keys = new Map<number, CatalogKey[]>();
      const rows = new Map<string, BugRow | null>();
      for (let k = 0; k < SHARDS; k++) {
        const shard = readKeys(db, k);
        keys.set(k, shard);
        readRows(db, k, shard).forEach((r, i) => rows.set(shard[i].id, r));
      }
      const pages = new Map(bugTableReader(db).allPages());
      return { old, keys, rows, pages };
    })();
    const listed = await listing;
    const { old, keys } = snapshot;
    const fresh = await loadRepository(store, diffPlan(listed, old, keys, movedIdentities(listed.identities, old.identities)));
    const compiled = new Set([...fresh.bugs.map((b) => b.id), ...fresh.damaged.map((d) => d.id)]);
    const live = new Map([...bugRefsOf(listed)].map(([ref, head]) => [ref.slice(BUGS_PREFIX.length), head]));
    for (const e of [...keys.values()].flat()) {
      const page = snapshot.pages.get(e.id);
      const row = snapshot.rows.get(e.id);
      if (compiled.has(e.id) || live.get(e.id) !== e.head || !row || page === undefined) continue;
      fresh.bugs.push({ ...(JSON.parse(page) as CompiledBug), createClock: row.createClock, editClock: row.editClock });
    }
    fresh.bugs.sort(byId);
    return fresh;
  } finally {
    db.close();
  }
}
