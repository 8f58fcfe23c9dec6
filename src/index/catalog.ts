// The catalog: for every bug the index holds, what a reopen needs (the head
// it was compiled from, the identities it looked up, its list row or why it
// is damaged). A reopen reads it in a few pieces: a row per bug, each with
// its own JSON, cost more than everything else a reopen does (10k rows
// scattered among the pages, then 10k parses). Ids, labels and people are
// written once per piece and referred to by position, so the text stays
// small and the decoded rows share one copy of each.
// The catalog is cut into SHARDS by bug id, so a push that changes one bug
// rewrites one sixty-fourth of it; and each shard into keys and rows, so an
// open can diff and serve bug pages before it has decoded any list row.

import { createHash } from 'node:crypto';
import { closedAtOf, listExcerpt } from '../cache/repo-index.js';
import { mentionedPeople, type SearchableBug } from '../gitbug/query-match.js';
import type { BugExcerpt, CompiledBug, DamagedBug, Person, Status } from '../gitbug/types.js';

/** What the index keeps per bug for lists: the excerpt's fields plus what queries look at. */
export interface BugRow extends SearchableBug {
  labels: string[];
  comments: number;
  closedAt?: string;
}

export function toRow(b: CompiledBug): BugRow {
  const closedAt = closedAtOf(b);
  const row: BugRow = {
    id: b.id,
    title: b.title,
    status: b.status,
    labels: b.labels,
    author: b.author,
    createdAt: b.createdAt,
    editedAt: b.editedAt,
    createClock: b.createClock,
    editClock: b.editClock,
    participants: b.participants,
    actors: b.actors,
    mentioned: mentionedPeople(b),
    comments: b.comments.length,
  };
  // Set, not spread from a conditional object: that spread is a slow path in V8.
  if (closedAt) row.closedAt = closedAt;
  return row;
}

/**
 * What a list shows of a row: the same whether the row was decoded from the
 * catalog or is being written (then stored as bugs.excerpt), so both ways of
 * answering a list give the same bytes.
 */
export function rowExcerpt(r: BugRow): BugExcerpt {
  const { id, title, status, labels, author, createdAt, editedAt } = r;
  return listExcerpt(
    { id, title, status, labels, author: { id: author.id, name: author.name }, createdAt, editedAt },
    r.comments,
    r.closedAt,
  );
}

/** A row's excerpt as JSON: as the index stores it (bugs.excerpt) and as a list sends it. */
export function excerptJson(r: BugRow): string {
  return JSON.stringify(rowExcerpt(r));
}

/** What the open of an index needs of a bug before any list: enough to diff, write and serve pages. */
export interface CatalogKey {
  id: string;
  /** the bug's row in `bugs` and `bug_body` (and the words' rows); 0 for a damaged bug (no page, no text) */
  n: number;
  head: string;
  /** ids of the identities its compilation looked up */
  uses: readonly string[];
  damaged: DamagedBug | null;
}

export interface CatalogEntry extends CatalogKey {
  /** the list row of a compiled bug; null when damaged */
  row: BugRow | null;
}

export const SHARDS = 64;

/** A hex digit's value, or -1. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/**
 * The shard that holds bug `id`'s entry: its first six bits (the first hex
 * digit and the top of the second), so shards read in order are ids in order
 * (other ids, of damaged refs, anywhere). 64 shards of ~160 bugs in 10k: a
 * push rewrites one, an open fingerprints all.
 */
export function shardOf(id: string): number {
  // Without a string: this runs for every ref of every open.
  const high = hexValue(id.charCodeAt(0));
  const low = hexValue(id.charCodeAt(1));
  if (high >= 0 && low >= 0) return (high << 2) | (low >> 2);
  return (id.charCodeAt(0) || 0) % SHARDS;
}

/**
 * A fingerprint of a shard's bugs and heads (`[id, head]` in id order, a
 * line each): stored with the shard, and computed from the refs at the next
 * open, so a shard whose refs did not move is not even decoded.
 */
export function headsDigest(heads: readonly (readonly [id: string, head: string])[]): string {
  return createHash('sha1')
    .update(heads.map(([id, head]) => `${id} ${head}\n`).join(''))
    .digest('hex');
}

/** Bumped when the encoding changes (with the index's schema version). */
const VERSION = 2;

type RowTuple = [
  title: string,
  closed: 0 | 1,
  labels: number[],
  author: number,
  createdAt: string,
  editedAt: string,
  createClock: number,
  editClock: number,
  participants: number[],
  actors: number[],
  mentioned: number[],
  comments: number,
  closedAt: string | 0,
];
type KeyTuple = [id: string, n: number, head: string, uses: number[], damaged: DamagedBug | 0];

/**
 * A shard is two values: its keys, which an open reads whole before it can
 * answer anything, and its rows, which only lists need and which are read
 * after (see IndexedRepo). Both list the same bugs in the same order.
 */
export interface EncodedShard {
  keys: string;
  rows: string;
}

interface EncodedKeys {
  v: number;
  /** identity ids */
  strings: string[];
  bugs: KeyTuple[];
}

interface EncodedRows {
  v: number;
  /** identity ids and labels */
  strings: string[];
  /** [position in strings of the id, name] */
  people: [number, string][];
  rows: (RowTuple | 0)[];
}

/** Interns strings into a table, each written once and referred to by position. */
function interner(strings: string[]): (value: string) => number {
  const at = new Map<string, number>();
  return (value) => {
    let i = at.get(value);
    if (i === undefined) at.set(value, (i = strings.push(value) - 1));
    return i;
  };
}

export function encodeCatalog(entries: readonly CatalogEntry[]): EncodedShard {
  const keyStrings: string[] = [];
  const k = interner(keyStrings);
  const keys: KeyTuple[] = entries.map((e) => [e.id, e.n, e.head, e.uses.map(k), e.damaged ?? 0]);

  const strings: string[] = [];
  const s = interner(strings);
  const people: [number, string][] = [];
  const personAt = new Map<string, number>();
  const p = (who: Person): number => {
    const key = `${who.id}\n${who.name}`;
    let at = personAt.get(key);
    if (at === undefined) personAt.set(key, (at = people.push([s(who.id), who.name]) - 1));
    return at;
  };
  const rows = entries.map(({ row: r }): RowTuple | 0 =>
    r
      ? [
          r.title,
          r.status === 'closed' ? 1 : 0,
          r.labels.map(s),
          p(r.author),
          r.createdAt,
          r.editedAt,
          r.createClock,
          r.editClock,
          r.participants.map(s),
          r.actors.map(s),
          r.mentioned.map(p),
          r.comments,
          r.closedAt ?? 0,
        ]
      : 0,
  );
  return {
    keys: JSON.stringify({ v: VERSION, strings: keyStrings, bugs: keys } satisfies EncodedKeys),
    rows: JSON.stringify({ v: VERSION, strings, people, rows } satisfies EncodedRows),
  };
}

function parse<T extends { v: number }>(text: string): T {
  const value = JSON.parse(text) as T;
  if (value.v !== VERSION) throw new Error(`catalog version ${String(value.v)}, expected ${VERSION}`);
  return value;
}

/** A shard's keys. Throws on text that is not a catalog of this version (the caller then rebuilds). */
export function decodeKeys(text: string): CatalogKey[] {
  const c = parse<EncodedKeys>(text);
  const { strings } = c;
  return c.bugs.map(([id, n, head, uses, damaged]): CatalogKey => ({
    id,
    n,
    head,
    uses: uses.map((at) => strings[at]),
    damaged: damaged === 0 ? null : damaged,
  }));
}

/** A shard's rows, one per key of the same shard (null for a damaged bug). Throws like decodeKeys. */
export function decodeRows(text: string, keys: readonly CatalogKey[]): (BugRow | null)[] {
  const c = parse<EncodedRows>(text);
  if (c.rows.length !== keys.length) throw new Error(`catalog shard has ${c.rows.length} rows for ${keys.length} bugs`);
  const { strings } = c;
  const s = (at: number) => strings[at];
  const people = c.people.map(([id, name]): Person => ({ id: strings[id], name }));
  const p = (at: number) => people[at];
  return c.rows.map((r, i): BugRow | null => {
    if (r === 0) return null;
    const [
      title,
      closed,
      labels,
      author,
      createdAt,
      editedAt,
      createClock,
      editClock,
      participants,
      actors,
      mentioned,
      comments,
      closedAt,
    ] = r;
    const row: BugRow = {
      id: keys[i].id,
      title,
      status: (closed ? 'closed' : 'open') satisfies Status,
      labels: labels.map(s),
      author: p(author),
      createdAt,
      editedAt,
      createClock,
      editClock,
      participants: participants.map(s),
      actors: actors.map(s),
      mentioned: mentioned.map(p),
      comments,
    };
    // Set, not spread from a conditional object (a slow path in V8).
    if (closedAt) row.closedAt = closedAt;
    return row;
  });
}
