// Opening a repository through its persisted index: list the refs, diff them
// against the index, compile only what changed, write it in one transaction,
// then answer from the index. The refs are the truth: nothing here trusts the
// index beyond "this bug was compiled from this head, with these identities".
//
// A bug is compiled again when its head moved, when an identity it looked up
// moved or went away (names are copied into bugs), or when it was damaged
// (damage can come from outside the bug: a missing identity). A file that is
// not a sound index of ours is discarded and rebuilt; a folder that takes no
// writes makes the worker serve from memory. Either is reported once, in
// `notices`, for the caller to log.

import { RepoIndex, type RepoView } from '../cache/repo-index.js';
import type { GitStore } from '../git/store.js';
import { loadRepository, type LoadedRepository, type LoadOptions } from '../gitbug/load.js';
import { BUGS_PREFIX, IDENTITIES_PREFIX } from '../gitbug/refs.js';
import { bugText } from '../gitbug/query-match.js';
import type { CompiledBug, DamagedBug, Identity } from '../gitbug/types.js';
import {
  discardIndexFile,
  indexBytes,
  isCorruption,
  isWriteFailure,
  openIndexFile,
  openIndexFileReadOnly,
  type IndexDb,
} from './index-file.js';
import { IndexedRepo, toRow, type BugRow } from './indexed-repo.js';

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
  /** set when answering from the persisted index */
  db?: IndexDb;
}

/** A bug as the index holds it, read once per open; JSON is parsed only where needed. */
interface Old {
  n: number;
  head: string;
  /** JSON array of identity ids; parsed only when some identity changed */
  uses: string;
  row: string | null;
  damaged: string | null;
}

/** Compiles everything into memory: no index, or one that cannot be written. */
async function inMemory(store: GitStore, notices: string[]): Promise<OpenedRepository> {
  const repo = await loadRepository(store);
  return { view: new RepoIndex(repo), kind: 'full', refreshed: repo.bugs.length + repo.damaged.length, notices, indexBytes: 0 };
}

/** Opens the repository read through `store`, using (and updating) the index at `file` when given. */
export async function openRepository(store: GitStore, file: string | undefined): Promise<OpenedRepository> {
  const notices: string[] = [];
  if (!file) return inMemory(store, notices);
  for (let attempt = 0; ; attempt++) {
    let db: IndexDb | undefined;
    try {
      db = openIndexFile(file);
      const opened = await refresh(db, store);
      return { ...opened, notices, indexBytes: indexBytes(file), db };
    } catch (err) {
      db?.close();
      if (isCorruption(err) && attempt === 0) {
        notices.push(`discarded the bug index ${file}: ${(err as Error).message}; rebuilding it`);
        discardIndexFile(file);
        continue;
      }
      if (isWriteFailure(err)) {
        notices.push(`cannot write the bug index ${file} (${(err as Error).message}); serving from memory`);
        return inMemory(store, notices);
      }
      throw err;
    }
  }
}

async function refresh(db: IndexDb, store: GitStore): Promise<Omit<OpenedRepository, 'notices' | 'indexBytes'>> {
  const [bugRefs, identityRefs] = await Promise.all([store.listRefs(BUGS_PREFIX), store.listRefs(IDENTITIES_PREFIX)]);

  const oldBugs = new Map<string, Old>();
  // raw(): arrays, not an object per row (10k rows on every reopen).
  for (const [n, id, head, uses, row, damaged] of db
    .prepare('SELECT n, id, head, uses, row, damaged FROM bugs')
    .raw()
    .iterate() as IterableIterator<[number, string, string, string, string | null, string | null]>) {
    oldBugs.set(id, { n, head, uses, row, damaged });
  }
  const oldIdentities = new Map<string, { head: string; identity: string }>();
  for (const r of db.prepare('SELECT id, head, identity FROM identities').iterate() as IterableIterator<{
    id: string;
    head: string;
    identity: string;
  }>) {
    oldIdentities.set(r.id, { head: r.head, identity: r.identity });
  }
  const loaded = await loadRepository(store, diffPlan(bugRefs, identityRefs, oldBugs, oldIdentities));

  const kind: BuildKind = oldBugs.size === 0 && oldIdentities.size === 0 ? 'full' : 'incremental';
  const liveIds = [...bugRefs.keys()].map((ref) => ref.slice(BUGS_PREFIX.length)).sort();
  const written = write(db, loaded, oldBugs, oldIdentities, new Set(liveIds));

  // The worker's memory: every live bug's list row (fresh ones as compiled,
  // the others as the index held them), the damaged list, the identities.
  const rows: { n: number; row: BugRow }[] = [];
  const damaged: DamagedBug[] = [];
  const shared = rowSharer();
  for (const id of liveIds) {
    const fresh = written.get(id);
    if (fresh) {
      if (fresh.row) rows.push({ n: fresh.n, row: fresh.row });
      else if (fresh.damaged) damaged.push(fresh.damaged);
      continue;
    }
    const old = oldBugs.get(id)!;
    if (old.row !== null) rows.push({ n: old.n, row: shared(JSON.parse(old.row) as BugRow) });
    else if (old.damaged !== null) damaged.push(JSON.parse(old.damaged) as DamagedBug);
  }
  return { view: new IndexedRepo(db, rows, damaged, loaded.identities), kind, refreshed: loaded.bugs.length + loaded.damaged.length };
}

/**
 * One copy of each id, person and label for all rows of one open: parsed
 * separately, every row would hold its own copies of the same 64-character
 * ids (most of a warm worker's memory).
 */
function rowSharer(): (row: BugRow) => BugRow {
  const people = new Map<string, { id: string; name: string }>();
  const strings = new Map<string, string>();
  const str = (s: string): string => {
    let found = strings.get(s);
    if (found === undefined) strings.set(s, (found = s));
    return found;
  };
  const person = (p: { id: string; name: string }) => {
    const key = `${p.id}\n${p.name}`;
    let found = people.get(key);
    if (!found) people.set(key, (found = { id: str(p.id), name: p.name }));
    return found;
  };
  return (row) => {
    row.author = person(row.author);
    row.mentioned = row.mentioned.map(person);
    row.participants = row.participants.map(str);
    row.actors = row.actors.map(str);
    row.labels = row.labels.map(str);
    return row;
  };
}

/** What to compile again, given what the index holds: see the top of this file. */
function diffPlan(
  bugRefs: Map<string, string>,
  identityRefs: Map<string, string>,
  oldBugs: Map<string, Pick<Old, 'head' | 'uses' | 'damaged'>>,
  oldIdentities: Map<string, { head: string; identity: string }>,
): LoadOptions {
  const identityHeads = new Map([...identityRefs].map(([ref, head]) => [ref.slice(IDENTITIES_PREFIX.length), head]));
  const changedIdentities = new Set<string>();
  for (const [id, old] of oldIdentities) if (identityHeads.get(id) !== old.head) changedIdentities.add(id);
  return {
    refs: { bugs: bugRefs, identities: identityRefs },
    reuseIdentity: (id, head) => {
      const old = oldIdentities.get(id);
      return old && old.head === head ? (JSON.parse(old.identity) as Identity) : undefined;
    },
    wantBug: (id, head) => {
      const old = oldBugs.get(id);
      if (!old || old.head !== head || old.damaged !== null) return true;
      return changedIdentities.size > 0 && (JSON.parse(old.uses) as string[]).some((u) => changedIdentities.has(u));
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
    const [bugRefs, identityRefs] = await Promise.all([store.listRefs(BUGS_PREFIX), store.listRefs(IDENTITIES_PREFIX)]);
    const snapshot = db.transaction(() => ({
      bugs: db.prepare('SELECT id, head, uses, bug, damaged FROM bugs').all() as {
        id: string;
        head: string;
        uses: string;
        bug: string | null;
        damaged: string | null;
      }[],
      identities: db.prepare('SELECT id, head, identity FROM identities').all() as { id: string; head: string; identity: string }[],
    }))();
    const oldBugs = new Map(snapshot.bugs.map((r) => [r.id, r]));
    const oldIdentities = new Map(snapshot.identities.map((r) => [r.id, r]));
    const plan = diffPlan(bugRefs, identityRefs, oldBugs, oldIdentities);
    const fresh = await loadRepository(store, plan);
    const compiled = new Set([...fresh.bugs.map((b) => b.id), ...fresh.damaged.map((d) => d.id)]);
    const live = new Map([...bugRefs].map(([ref, head]) => [ref.slice(BUGS_PREFIX.length), head]));
    for (const r of snapshot.bugs) {
      if (compiled.has(r.id) || live.get(r.id) !== r.head || r.bug === null) continue;
      fresh.bugs.push(JSON.parse(r.bug) as CompiledBug);
    }
    fresh.bugs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return fresh;
  } finally {
    db.close();
  }
}

/** Brings the index to the refs' state in one transaction: a crash leaves the old state whole. */
function write(
  db: IndexDb,
  loaded: LoadedRepository,
  oldBugs: Map<string, Old>,
  oldIdentities: Map<string, { head: string }>,
  liveIds: Set<string>,
): Map<string, { n: number; row: BugRow | null; damaged: DamagedBug | null }> {
  const insertBug = db.prepare('INSERT INTO bugs (id, head, uses, row, bug, damaged) VALUES (?, ?, ?, ?, ?, ?)');
  const updateBug = db.prepare('UPDATE bugs SET head = ?, uses = ?, row = ?, bug = ?, damaged = ? WHERE n = ?');
  const deleteBug = db.prepare('DELETE FROM bugs WHERE n = ?');
  const insertText = db.prepare('INSERT INTO bug_text (rowid, text, body) VALUES (?, ?, ?)');
  const deleteText = db.prepare('DELETE FROM bug_text WHERE rowid = ?');
  const putIdentity = db.prepare('INSERT OR REPLACE INTO identities (id, head, identity) VALUES (?, ?, ?)');
  const deleteIdentity = db.prepare('DELETE FROM identities WHERE id = ?');

  const headOf = new Map([...loaded.bugRefs].map(([ref, head]) => [ref.slice(BUGS_PREFIX.length), head]));
  const put = (id: string, row: BugRow | null, bug: CompiledBug | null, damaged: DamagedBug | null): number => {
    const old = oldBugs.get(id);
    const uses = JSON.stringify(loaded.uses.get(id) ?? []);
    const values = [row && JSON.stringify(row), bug && JSON.stringify(bug), damaged && JSON.stringify(damaged)] as const;
    let n: number;
    if (old) {
      updateBug.run(headOf.get(id), uses, ...values, old.n);
      deleteText.run(old.n);
      n = old.n;
    } else {
      n = Number(insertBug.run(id, headOf.get(id), uses, ...values).lastInsertRowid);
    }
    if (bug) insertText.run(n, bugText(bug), JSON.stringify([bug.title, ...bug.comments.map((c) => c.message)]));
    return n;
  };

  const written = new Map<string, { n: number; row: BugRow | null; damaged: DamagedBug | null }>();
  db.transaction(() => {
    for (const [id, old] of oldBugs) {
      if (liveIds.has(id)) continue;
      deleteBug.run(old.n);
      deleteText.run(old.n);
    }
    for (const b of loaded.bugs) {
      const row = toRow(b);
      written.set(b.id, { n: put(b.id, row, b, null), row, damaged: null });
    }
    for (const d of loaded.damaged) written.set(d.id, { n: put(d.id, null, null, d), row: null, damaged: d });
    for (const id of oldIdentities.keys()) if (!loaded.identities.has(id)) deleteIdentity.run(id);
    const identityHead = new Map([...loaded.identityRefs].map(([ref, head]) => [ref.slice(IDENTITIES_PREFIX.length), head]));
    for (const [id, identity] of loaded.identities) {
      const head = identityHead.get(id);
      if (oldIdentities.get(id)?.head !== head) putIdentity.run(id, head, JSON.stringify(identity));
    }
  })();
  return written;
}
