// The list view: what the bug list needs when its query is only a status and
// a sort (the default list, its Closed tab, any order): each bug's status and
// the sort orders, over the bugs' rows in the index (bugs.n). Stored with the
// index by a worker once it has built its lists, it lets the next worker
// answer such a list before it has decoded any list row: the page's bugs are
// then read one by one (bugs.excerpt). It is valid for exactly the catalog it
// was built from: the index counts its writes, and a view stored at another
// count is ignored. An open that writes a few bugs updates the view in the
// same transaction (updateListView), so the lists right after a push need no
// row either; it keeps the orders' keys for that.

import type { Query, SortBy } from '../gitbug/query.js';
import type { Status } from '../gitbug/types.js';
import {
  emptySortKeys,
  orderComparator,
  sortKeysOf,
  windowOf,
  type SearchIndex,
  type SortFields,
  type SortKeys,
  type Window,
} from '../gitbug/query-match.js';

export interface ListView {
  /** bugs.n of each position (the search index's bug order: compiled bugs by id) */
  readonly ns: Int32Array;
  /** per position: 1 when closed */
  readonly closed: Uint8Array;
  /** positions in ascending order, per sort key */
  readonly orders: Readonly<Record<SortBy, Int32Array>>;
  /** per position: what the creation and edit orders compare */
  readonly keys: SortKeys;
}

const SORTS: readonly SortBy[] = ['id', 'creation', 'edit'];

const KEYS: readonly (keyof SortKeys)[] = ['createClock', 'editClock', 'created', 'edited'];

/** Bumped when the encoding changes (with the index's schema version). */
const VERSION = 2;

/** The view of a built search index over `rows`, whose bug at position p is row ns[p]. */
export function listViewOf(search: Pick<SearchIndex<never>, 'closed' | 'orders'>, ns: Int32Array, rows: readonly SortFields[]): ListView {
  return { ns, closed: search.closed, orders: search.orders, keys: sortKeysOf(rows) };
}

/**
 * In the machine's byte order (an index never moves between machines): two
 * 32-bit words (version, count), the keys (64-bit floats, so first: aligned),
 * ns and each order (32-bit), then the closed bytes.
 */
export function encodeListView(view: ListView): Buffer {
  const n = view.ns.length;
  const words = new Int32Array(2 + n * (1 + SORTS.length));
  const head = words.subarray(0, 2);
  head[0] = VERSION;
  head[1] = n;
  words.set(view.ns, 2);
  SORTS.forEach((by, i) => words.set(view.orders[by], 2 + n * (1 + i)));
  const floats = KEYS.map((k) => Buffer.from(view.keys[k].buffer, view.keys[k].byteOffset, view.keys[k].byteLength));
  return Buffer.concat([Buffer.from(head.buffer, 0, 8), ...floats, Buffer.from(words.buffer, 8), Buffer.from(view.closed)]);
}

/** Throws on bytes that are not a view of this version (the caller then ignores the view). */
export function decodeListView(bytes: Uint8Array): ListView {
  if (bytes.byteLength < 8) throw new Error('list view too short');
  // A copy, aligned for the typed arrays (a BLOB's buffer may start anywhere).
  const copy = new Uint8Array(bytes);
  const head = new Int32Array(copy.buffer, 0, 2);
  const [version, n] = head;
  if (version !== VERSION) throw new Error(`list view version ${version}, expected ${VERSION}`);
  const floatBytes = 8 * KEYS.length * n;
  const wordsAt = 8 + floatBytes;
  const closedAt = wordsAt + 4 * n * (1 + SORTS.length);
  if (n < 0 || copy.byteLength !== closedAt + n) throw new Error('list view of the wrong length');
  const float = (i: number) => new Float64Array(copy.buffer, 8 + 8 * n * i, n);
  const part = (i: number) => new Int32Array(copy.buffer, wordsAt + 4 * n * i, n);
  const orders = { id: part(1), creation: part(2), edit: part(3) } satisfies Record<SortBy, Int32Array>;
  for (const by of SORTS) {
    const order = orders[by];
    for (let i = 0; i < n; i++) if (!(order[i] >= 0 && order[i] < n)) throw new Error('list view position out of range');
  }
  const keys = { createClock: float(0), editClock: float(1), created: float(2), edited: float(3) } satisfies SortKeys;
  return { ns: part(0), closed: new Uint8Array(copy.buffer, closedAt, n), orders, keys };
}

/** True when a list of `q` needs nothing but statuses and an order. */
export function statusOnly(q: Query): boolean {
  return q.authors.length + q.participants.length + q.actors.length + q.labels.length + q.titles.length + q.text.length === 0 && !q.noLabel;
}

/**
 * A status-only query's page over the view, as runQueryWithCounts would give
 * it: the rows (bugs.n) of the bugs in `window`, how many match, and the
 * Open/Closed counts.
 */
export function viewPage(view: ListView, q: Query, window: Window): { ns: number[]; total: number; open: number; closed: number } {
  const n = view.ns.length;
  let closed = 0;
  for (let p = 0; p < n; p++) closed += view.closed[p];
  const open = n - closed;
  const wantOpen = q.status.length === 0 || q.status.includes('open');
  const wantClosed = q.status.length === 0 || q.status.includes('closed');
  const total = (wantOpen ? open : 0) + (wantClosed ? closed : 0);
  const isClosed = view.closed;
  const matches = (p: number) => (isClosed[p] === 1 ? wantClosed : wantOpen);
  const ns = windowOf(view.orders[q.sort.by], q.sort.dir, matches, total, window).map((p) => view.ns[p]);
  return { ns, total, open, closed };
}

/** A bug an open compiled: its row (bugs.n), and what the view keeps of it. */
export interface WrittenBug extends SortFields {
  id: string;
  n: number;
  status: Status;
}

/** More changed bugs than this and the view is built again from the rows instead (each costs a pass over every order). */
const MAX_UPDATED = 64;

/**
 * `view` after a write that dropped the bugs of rows `dropped` (gone, or
 * damaged now) and wrote `written` (new bugs, and bugs compiled again, which
 * keep their row): positions still in id order, the orders as a sort of the
 * new bugs would give them. `idOf` reads a kept row's bug id (positions
 * carry no ids). Undefined when too much changed.
 */
export function updateListView(
  view: ListView,
  dropped: ReadonlySet<number>,
  written: readonly WrittenBug[],
  idOf: (n: number) => string,
): ListView | undefined {
  if (dropped.size + written.length > MAX_UPDATED) return undefined;
  if (dropped.size === 0 && written.every((w) => view.ns.includes(w.n))) return withRewritten(view, written);
  // Plain loops over typed arrays: this runs on the open after a push, in a thread that has run it once at most.
  const before = view.ns.length;
  const rewritten = new Set(written.map((w) => w.n));
  const kept = new Int32Array(before);
  let keptCount = 0;
  for (let p = 0; p < before; p++) {
    const n = view.ns[p];
    if (!dropped.has(n) && !rewritten.has(n)) kept[keptCount++] = p;
  }
  // Where each written bug goes among the kept ones, by id.
  const adds = [...written].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const addBefore = adds.map((w) => lowerBound(keptCount, (i) => idOf(view.ns[kept[i]]) < w.id));
  const count = keptCount + adds.length;
  const ns = new Int32Array(count);
  const closed = new Uint8Array(count);
  const keys = emptySortKeys(count);
  const { createClock, editClock, created, edited } = view.keys;
  /** old position -> new, -1 for a bug that left */
  const moved = new Int32Array(before).fill(-1);
  const added = new Int32Array(adds.length);
  let at = 0;
  let a = 0;
  for (let i = 0; i <= keptCount; i++) {
    for (; a < adds.length && addBefore[a] === i; a++, at++) {
      ns[at] = adds[a].n;
      setBug(closed, keys, at, adds[a]);
      added[a] = at;
    }
    if (i === keptCount) break;
    const p = kept[i];
    ns[at] = view.ns[p];
    closed[at] = view.closed[p];
    keys.createClock[at] = createClock[p];
    keys.editClock[at] = editClock[p];
    keys.created[at] = created[p];
    keys.edited[at] = edited[p];
    moved[p] = at++;
  }
  const id = new Int32Array(count);
  for (let p = 0; p < count; p++) id[p] = p;
  const reorder = (by: 'creation' | 'edit') => {
    const old = view.orders[by];
    const order = new Int32Array(count);
    let length = 0;
    for (let i = 0; i < before; i++) {
      const p = moved[old[i]];
      if (p >= 0) order[length++] = p;
    }
    const compare = orderComparator(keys, by);
    for (const p of added) insertInOrder(order, length++, p, compare);
    return order;
  };
  return { ns, closed, keys, orders: { id, creation: reorder('creation'), edit: reorder('edit') } };
}

/**
 * `view` after a write that only compiled some of its bugs again (the usual
 * push: comments, status, labels): no position moves, so the arrays are
 * copied whole (natively) and each such bug is only taken out of the two
 * time orders and put back where its new keys sort.
 */
function withRewritten(view: ListView, written: readonly WrittenBug[]): ListView {
  const closed = view.closed.slice();
  const keys: SortKeys = {
    createClock: view.keys.createClock.slice(),
    editClock: view.keys.editClock.slice(),
    created: view.keys.created.slice(),
    edited: view.keys.edited.slice(),
  };
  const creation = view.orders.creation.slice();
  const edit = view.orders.edit.slice();
  const last = view.ns.length - 1;
  for (const w of written) {
    const p = view.ns.indexOf(w.n);
    setBug(closed, keys, p, w);
    for (const [by, order] of [
      ['creation', creation],
      ['edit', edit],
    ] as const) {
      const from = order.indexOf(p);
      order.copyWithin(from, from + 1);
      insertInOrder(order, last, p, orderComparator(keys, by));
    }
  }
  return { ns: view.ns, closed, keys, orders: { id: view.orders.id, creation, edit } };
}

/** Position `at` holds bug `w`: its status and sort keys. */
function setBug(closed: Uint8Array, keys: SortKeys, at: number, w: WrittenBug): void {
  closed[at] = w.status === 'closed' ? 1 : 0;
  const fresh = sortKeysOf([w]);
  for (const k of KEYS) keys[k][at] = fresh[k][0];
}

/** The first of `length` indexes at which `below` turns false (false from there on). */
function lowerBound(length: number, below: (i: number) => boolean): number {
  let lo = 0;
  for (let hi = length; lo < hi;) {
    const mid = (lo + hi) >>> 1;
    if (below(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Puts position `p` into `order`'s first `length` entries (sorted by `compare`), where it sorts; the array has room. */
function insertInOrder(order: Int32Array, length: number, p: number, compare: (a: number, b: number) => number): void {
  const at = lowerBound(length, (i) => compare(order[i], p) < 0);
  order.copyWithin(at + 1, at, length);
  order[at] = p;
}
