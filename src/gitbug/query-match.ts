// Applies a parsed query to a repository's compiled bugs, as git-bug's
// cache/filter.go and QueryBugs do:
// - status, author, participant, actor: any of the values (OR);
// - label, title, no:label: every one (AND); labels compare exactly, titles
//   as case-insensitive substrings;
// - a name matches an identity whose name or login contains it
//   (case-insensitively) or whose id starts with it;
// - qualifiers combine with AND.
// Free text differs from git-bug (a bleve full-text index): here every term
// must appear, case-insensitively, in the title or in some comment.
// Sorting follows git-bug's lamport clocks, then wall time, then id; a
// descending order is the exact reverse of the ascending one.
//
// Everything that does not depend on the query is computed once in
// buildSearchIndex (some of it on first use), so a list request is a single
// pass over a pre-sorted order.

import type { Bug, CompiledBug, Identity, Person as Who, Status } from './types.js';
import type { Query, SortBy, SortDir } from './query.js';

/** What a query looks at in a bug, besides its text. */
interface SearchFields {
  id: string;
  title: string;
  status: Status;
  labels: readonly string[];
  author: Who;
  createdAt: string;
  editedAt: string;
  createClock: number;
  editClock: number;
  participants: readonly string[];
  actors: readonly string[];
}

/**
 * A bug as a list needs it, without its comments: `mentioned` is every person
 * the bug records with the name it recorded, first seen first (author,
 * comment authors, timeline authors). Free text is then matched elsewhere
 * (the persisted index), through runQueryWithCounts' `textMatch`.
 */
export interface SearchableBug extends SearchFields {
  mentioned: readonly Who[];
}

export type Indexable = CompiledBug | SearchableBug;

/** The people a bug records, each once with the first name recorded for them. */
export function mentionedPeople(b: CompiledBug): Who[] {
  const seen = new Map<string, Who>();
  const add = (p: Who) => {
    if (!seen.has(p.id)) seen.set(p.id, p);
  };
  add(b.author);
  for (const c of b.comments) add(c.author);
  for (const t of b.timeline) add(t.author);
  return [...seen.values()];
}

/** The text free-text terms are looked for in: lowercased title and comments. */
export function bugText(b: Pick<Bug, 'title' | 'comments'>): string {
  let text = b.title.toLowerCase();
  for (const c of b.comments) text += '\n' + c.message.toLowerCase();
  return text;
}

/** Bug positions whose text holds every needle (lowercased), as a new mask the query may change; null when none does. */
export type TextMatch = (needles: readonly string[]) => Uint8Array | null;

interface Person {
  id: string;
  /** lowercased */
  name: string;
  /** lowercased */
  login: string;
}

export interface SearchIndex<T extends Indexable = CompiledBug> {
  readonly bugs: readonly T[];
  /** per bug: 1 when closed */
  readonly closed: Uint8Array;
  /** every identity the bugs mention, by position */
  readonly people: readonly Person[];
  /** per bug: position of the author in `people` */
  readonly author: Int32Array;
  readonly participants: PeopleLists;
  readonly actors: PeopleLists;
  /** label -> per-bug membership (1 = has it) */
  readonly labels: ReadonlyMap<string, Uint8Array>;
  /** per bug: 1 when it has no label */
  readonly unlabeled: Uint8Array;
  /** lowercased titles */
  readonly titles: readonly string[];
  /** lowercased title and comment messages, one string per bug (absent for SearchableBugs) */
  readonly texts: readonly string[] | undefined;
  /** bug positions in ascending order, per sort key */
  readonly orders: Readonly<Record<SortBy, Int32Array>>;
}

/**
 * Every bug's list of people (positions in `people`), in one array: bug i's
 * list is at[end[i - 1] .. end[i]). One array instead of a small one per bug,
 * which cost an allocation each on every open.
 */
export interface PeopleLists {
  readonly at: Int32Array;
  readonly end: Int32Array;
}

function peopleLists(n: number, listOf: (i: number) => readonly string[], personOf: (id: string) => number): PeopleLists {
  const end = new Int32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) end[i] = total += listOf(i).length;
  const at = new Int32Array(total);
  for (let i = 0, k = 0; i < n; i++) for (const id of listOf(i)) at[k++] = personOf(id);
  return { at, end };
}

/**
 * The search index over `bugs`: what every list needs (status, sort orders)
 * at once; what only some queries look at (people, labels, titles, texts)
 * built on the first query that does, so an open's first list does not wait
 * for it.
 */
export function buildSearchIndex<T extends Indexable>(
  bugs: readonly T[],
  identities: ReadonlyMap<string, Identity>,
  /** the sort orders, when known already (a stored list view of these bugs) */
  orders: Readonly<Record<SortBy, Int32Array>> = sortOrders(bugs),
): SearchIndex<T> {
  const n = bugs.length;
  const closed = new Uint8Array(n);
  for (let i = 0; i < n; i++) closed[i] = bugs[i].status === 'closed' ? 1 : 0;
  let who: ReturnType<typeof peopleOf> | undefined;
  let tags: ReturnType<typeof labelsOf> | undefined;
  let titles: string[] | undefined;
  let texts: string[] | undefined;
  const compiled = n > 0 && !('mentioned' in bugs[0]);
  return {
    bugs,
    closed,
    orders,
    get people() {
      return (who ??= peopleOf(bugs, identities)).people;
    },
    get author() {
      return (who ??= peopleOf(bugs, identities)).author;
    },
    get participants() {
      return (who ??= peopleOf(bugs, identities)).participants;
    },
    get actors() {
      return (who ??= peopleOf(bugs, identities)).actors;
    },
    get labels() {
      return (tags ??= labelsOf(bugs)).labels;
    },
    get unlabeled() {
      return (tags ??= labelsOf(bugs)).unlabeled;
    },
    get titles() {
      return (titles ??= bugs.map((b) => b.title.toLowerCase()));
    },
    get texts() {
      if (!compiled) return undefined;
      return (texts ??= bugs.map((b) => bugText(b as CompiledBug)));
    },
  };
}

/** Everyone the bugs name, by position, and each bug's author, participants and actors as positions. */
function peopleOf(bugs: readonly Indexable[], identities: ReadonlyMap<string, Identity>) {
  const n = bugs.length;
  const people: Person[] = [];
  const personAt = new Map<string, number>();
  for (const idt of identities.values()) {
    personAt.set(idt.id, people.length);
    const name = idt.name || (idt.login ? '' : idt.displayName);
    people.push({ id: idt.id, name: name.toLowerCase(), login: idt.login.toLowerCase() });
  }
  // An id whose identity is missing still matches by id prefix and by the
  // name the bug itself recorded for it.
  const personOf = (id: string, name = ''): number => {
    let at = personAt.get(id);
    if (at === undefined) {
      at = people.length;
      personAt.set(id, at);
      people.push({ id, name: name.toLowerCase(), login: '' });
    } else if (name && !people[at].name && !people[at].login) {
      people[at].name = name.toLowerCase();
    }
    return at;
  };
  const author = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const b = bugs[i];
    // Names recorded on the bug fill in for identities the map lacks.
    author[i] = personOf(b.author.id, b.author.name);
    if ('mentioned' in b) {
      for (const p of b.mentioned) personOf(p.id, p.name);
    } else {
      for (const c of b.comments) personOf(c.author.id, c.author.name);
      for (const t of b.timeline) personOf(t.author.id, t.author.name);
    }
  }
  return {
    people,
    author,
    participants: peopleLists(n, (i) => bugs[i].participants, personOf),
    actors: peopleLists(n, (i) => bugs[i].actors, personOf),
  };
}

/** label -> per-bug membership, and the bugs with none. */
function labelsOf(bugs: readonly Indexable[]) {
  const n = bugs.length;
  const labels = new Map<string, Uint8Array>();
  const unlabeled = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const b = bugs[i];
    if (b.labels.length === 0) unlabeled[i] = 1;
    for (const l of b.labels) {
      let set = labels.get(l);
      if (!set) labels.set(l, (set = new Uint8Array(n)));
      set[i] = 1;
    }
  }
  return { labels, unlabeled };
}

/** The bugs matching the query, in the query's order. */
export function runQuery<T extends Indexable>(index: SearchIndex<T>, q: Query, textMatch?: TextMatch): T[] {
  return runQueryWithCounts(index, q, textMatch).bugs;
}

/** How many bugs match the query without its status qualifier, by status (the Open/Closed tabs). */
export function countStatuses<T extends Indexable>(index: SearchIndex<T>, q: Query, textMatch?: TextMatch): Record<Status, number> {
  const { open, closed } = scan(index, q, textMatch);
  return { open, closed };
}

/** Which of a query's matches to return, as positions in its order. */
export interface Window {
  start: number;
  count: number;
}

/**
 * One pass for a list page: the bugs matching the whole query, in order (only
 * those in `window`: a page need not gather 10,000), how many match, and the
 * Open/Closed counts of the query without its status.
 */
export function runQueryWithCounts<T extends Indexable>(
  index: SearchIndex<T>,
  q: Query,
  textMatch?: TextMatch,
  window: Window = { start: 0, count: Infinity },
): { bugs: T[]; total: number; open: number; closed: number } {
  const { mask, total, open, closed } = scan(index, q, textMatch);
  // The order is walked only after filtering: testing bugs in storage order
  // keeps the scan cache-friendly, while the walk reads one byte per bug.
  const at = windowOf(index.orders[q.sort.by], q.sort.dir, (p) => mask[p] === 1, total, window);
  return { bugs: at.map((p) => index.bugs[p]), total, open, closed };
}

/**
 * The positions of `window` among the `total` positions that `matches`, in
 * `order` (ascending; walked from its end for a descending sort).
 */
export function windowOf(order: Int32Array, dir: SortDir, matches: (p: number) => boolean, total: number, window: Window): number[] {
  const out: number[] = [];
  const end = Math.min(total, window.start + window.count);
  let j = 0;
  const take = (p: number): void => {
    if (matches(p) && j++ >= window.start) out.push(p);
  };
  if (dir === 'asc') {
    for (let k = 0; k < order.length && j < end; k++) take(order[k]);
  } else {
    for (let k = order.length - 1; k >= 0 && j < end; k--) take(order[k]);
  }
  return out;
}

// Tests every bug against the query without its status, counting by status,
// and marks those whose status the query also accepts.
function scan<T extends Indexable>(index: SearchIndex<T>, q: Query, textMatch: TextMatch | undefined) {
  const n = index.bugs.length;
  const mask = new Uint8Array(n);
  let open = 0;
  let closed = 0;
  let total = 0;
  const passing = filtersOf(index, q, textMatch);
  if (passing !== null) {
    const wantOpen = q.status.length === 0 || q.status.includes('open');
    const wantClosed = q.status.length === 0 || q.status.includes('closed');
    const isClosed = index.closed;
    for (let i = 0; i < n; i++) {
      if (passing[i] === 0) continue;
      if (isClosed[i]) {
        closed++;
        if (wantClosed) {
          mask[i] = 1;
          total++;
        }
      } else {
        open++;
        if (wantOpen) {
          mask[i] = 1;
          total++;
        }
      }
    }
  }
  return { mask, total, open, closed };
}

// The bugs passing a query's filters (all but status, which scan applies), as
// a byte per position (all ones without a filter); null when nothing can
// match (an unknown label, a name nobody has), so the scan is skipped. Each
// filter has its own loop over the bugs: a predicate per bug, called from one
// place, went slow once queries of several shapes had run (V8 stops inlining
// a call site that has seen many closures; measured: the default list from
// 88 to 229 µs after a label query).
function filtersOf<T extends Indexable>(index: SearchIndex<T>, q: Query, textMatch: TextMatch | undefined): Uint8Array | null {
  const n = index.bugs.length;
  let passing: Uint8Array | undefined;
  /**
   * Keeps the bugs `bits` has; false when none is left. `owned`: bits made
   * for this query, taken as they are; the index's own sets are copied.
   */
  const keep = (bits: Uint8Array, owned = false): boolean => {
    if (!passing) {
      passing = owned ? bits : bits.slice();
      return passing.includes(1);
    }
    let any = 0;
    for (let i = 0; i < n; i++) any |= passing[i] &= bits[i];
    return any !== 0;
  };

  for (const l of q.labels) {
    const set = index.labels.get(l);
    if (!set || !keep(set)) return null;
  }
  if (q.noLabel && !keep(index.unlabeled)) return null;

  if (q.authors.length > 0) {
    const who = matchPeople(index.people, q.authors);
    if (!who) return null;
    const author = index.author;
    const bits = new Uint8Array(n);
    for (let i = 0; i < n; i++) bits[i] = who[author[i]];
    if (!keep(bits, true)) return null;
  }

  for (const [names, listsOf] of [
    [q.participants, () => index.participants],
    [q.actors, () => index.actors],
  ] as const) {
    if (names.length === 0) continue;
    const who = matchPeople(index.people, names);
    if (!who) return null;
    // Asked for only now: the index builds people lists on first use.
    const { at, end } = listsOf();
    const bits = new Uint8Array(n);
    for (let i = 0, k = 0; i < n; i++) for (; k < end[i]; k++) bits[i] |= who[at[k]];
    if (!keep(bits, true)) return null;
  }

  if (q.titles.length > 0 && !keep(maskHoldingAll(index.titles, q.titles), true)) return null;

  if (q.text.length > 0) {
    let matching: Uint8Array | null;
    if (index.texts) matching = maskHoldingAll(index.texts, q.text);
    else if (textMatch) matching = textMatch(q.text.map((t) => t.toLowerCase()));
    else throw new Error("free text needs the bugs' text or a text index");
    if (!matching || !keep(matching, true)) return null;
  }

  return passing ?? new Uint8Array(n).fill(1);
}

/** Which of the texts (lowercased) hold every term, case-insensitively: 1 for each that does. */
function maskHoldingAll(texts: readonly string[], terms: readonly string[]): Uint8Array {
  const needles = terms.map((t) => t.toLowerCase());
  const bits = new Uint8Array(texts.length);
  for (let i = 0; i < texts.length; i++) bits[i] = needles.every((t) => texts[i].includes(t)) ? 1 : 0;
  return bits;
}

// Resolves names to a membership table over `people` once per query (OR over
// the names); null when no one matches.
function matchPeople(people: readonly Person[], names: readonly string[]): Uint8Array | null {
  const who = new Uint8Array(people.length);
  let any = false;
  for (const raw of names) {
    const name = raw.toLowerCase();
    for (let p = 0; p < people.length; p++) {
      const person = people[p];
      if (person.id.startsWith(name) || person.name.includes(name) || person.login.includes(name)) {
        who[p] = 1;
        any = true;
      }
    }
  }
  return any ? who : null;
}

/** What the creation and edit orders compare, per position (typed arrays: a sort compares ~130k times per order). */
export interface SortKeys {
  readonly createClock: Float64Array;
  readonly editClock: Float64Array;
  /** createdAt and editedAt, in ms (0 when unreadable) */
  readonly created: Float64Array;
  readonly edited: Float64Array;
}

export type SortFields = Pick<SearchFields, 'createClock' | 'editClock' | 'createdAt' | 'editedAt'>;

/** Sort keys for `n` positions, all 0. */
export function emptySortKeys(n: number): SortKeys {
  return { createClock: new Float64Array(n), editClock: new Float64Array(n), created: new Float64Array(n), edited: new Float64Array(n) };
}

export function sortKeysOf(bugs: readonly SortFields[]): SortKeys {
  const n = bugs.length;
  const keys = emptySortKeys(n);
  for (let i = 0; i < n; i++) {
    const b = bugs[i];
    keys.createClock[i] = b.createClock;
    keys.editClock[i] = b.editClock;
    keys.created[i] = Date.parse(b.createdAt) || 0;
    keys.edited[i] = Date.parse(b.editedAt) || 0;
  }
  return keys;
}

/**
 * How the creation or edit order compares two positions: by lamport clock,
 * then (equal clocks are concurrent edits: git-bug falls back to wall time)
 * by time, then by id (`byId`; position order when positions are in id order).
 */
export function orderComparator(
  keys: SortKeys,
  by: 'creation' | 'edit',
  byId: (a: number, b: number) => number = (a, b) => a - b,
): (a: number, b: number) => number {
  const clock = by === 'creation' ? keys.createClock : keys.editClock;
  const time = by === 'creation' ? keys.created : keys.edited;
  return (a, b) => clock[a] - clock[b] || time[a] - time[b] || byId(a, b);
}

function sortOrders(bugs: readonly SearchFields[]): Record<SortBy, Int32Array> {
  const n = bugs.length;
  const keys = sortKeysOf(bugs);
  const positions = () => {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return p;
  };
  // Both views hand their bugs over sorted by id already: then position order is id order.
  const sortedById = bugs.every((b, i) => i === 0 || bugs[i - 1].id < b.id);
  const byId = sortedById
    ? (a: number, b: number) => a - b
    : (a: number, b: number) => (bugs[a].id < bugs[b].id ? -1 : bugs[a].id > bugs[b].id ? 1 : 0);
  return {
    id: sortedById ? positions() : positions().sort(byId),
    creation: positions().sort(orderComparator(keys, 'creation', byId)),
    edit: positions().sort(orderComparator(keys, 'edit', byId)),
  };
}
