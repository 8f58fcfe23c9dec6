// The catalog: for every bug the index holds, what a reopen needs before it
// can answer (the head it was compiled from, the identities it looked up,
// its list row or why it is damaged), as one value. A reopen reads it in one
// piece: a row per bug, each with its own JSON, cost more than everything
// else a reopen does (10k rows scattered among the pages, then 10k parses).
// Ids, labels and people are written once and referred to by position, so
// the text stays small and the decoded rows share one copy of each.
// The catalog is cut into SHARDS values by bug id, so a push that changes
// one bug rewrites one sixteenth of it.

import { closedAtOf } from '../cache/repo-index.js';
import { mentionedPeople, type SearchableBug } from '../gitbug/query-match.js';
import type { CompiledBug, DamagedBug, Person, Status } from '../gitbug/types.js';

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

export interface CatalogEntry {
  id: string;
  /** the bug's rowid in `bugs` and `bug_text`; 0 for a damaged bug (no page, no text) */
  n: number;
  head: string;
  /** ids of the identities its compilation looked up */
  uses: readonly string[];
  /** the list row of a compiled bug; null when damaged */
  row: BugRow | null;
  damaged: DamagedBug | null;
}

export const SHARDS = 16;

/**
 * The shard that holds bug `id`'s entry: its first hex digit, so shards read
 * in order are ids in order (other ids, of damaged refs, anywhere).
 */
export function shardOf(id: string): number {
  const digit = parseInt(id.charAt(0), 16);
  return Number.isNaN(digit) ? (id.charCodeAt(0) || 0) % SHARDS : digit;
}

/** Bumped when the encoding changes (with the index's schema version). */
const VERSION = 1;

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
type EntryTuple = [id: string, n: number, head: string, uses: number[], row: RowTuple | 0, damaged: DamagedBug | 0];

interface Encoded {
  v: number;
  /** identity ids and labels */
  strings: string[];
  /** [position in strings of the id, name] */
  people: [number, string][];
  bugs: EntryTuple[];
}

export function encodeCatalog(entries: Iterable<CatalogEntry>): string {
  const strings: string[] = [];
  const stringAt = new Map<string, number>();
  const people: [number, string][] = [];
  const personAt = new Map<string, number>();
  const s = (value: string): number => {
    let at = stringAt.get(value);
    if (at === undefined) stringAt.set(value, (at = strings.push(value) - 1));
    return at;
  };
  const p = (who: Person): number => {
    const key = `${who.id}\n${who.name}`;
    let at = personAt.get(key);
    if (at === undefined) personAt.set(key, (at = people.push([s(who.id), who.name]) - 1));
    return at;
  };
  const bugs: EntryTuple[] = [];
  for (const e of entries) {
    const r = e.row;
    const row: RowTuple | 0 = r
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
      : 0;
    bugs.push([e.id, e.n, e.head, e.uses.map(s), row, e.damaged ?? 0]);
  }
  return JSON.stringify({ v: VERSION, strings, people, bugs } satisfies Encoded);
}

/** Throws on text that is not a catalog of this version (the caller then rebuilds). */
export function decodeCatalog(text: string): CatalogEntry[] {
  const c = JSON.parse(text) as Encoded;
  if (c.v !== VERSION || !Array.isArray(c.bugs)) throw new Error(`catalog version ${String(c.v)}, expected ${VERSION}`);
  const { strings } = c;
  const s = (at: number) => strings[at];
  const people = c.people.map(([id, name]): Person => ({ id: strings[id], name }));
  const p = (at: number) => people[at];
  return c.bugs.map(([id, n, head, uses, r, damaged]): CatalogEntry => {
    let row: BugRow | null = null;
    if (r !== 0) {
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
      row = {
        id,
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
      if (closedAt) row.closedAt = closedAt;
    }
    return { id, n, head, uses: uses.map(s), row, damaged: damaged === 0 ? null : damaged };
  });
}
