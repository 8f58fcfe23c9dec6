// The list view: what the bug list needs when its query is only a status and
// a sort (the default list, its Closed tab, any order): each bug's status and
// the sort orders, over the bugs' rows in the index (bugs.n). Stored with the
// index by a worker once it has built its lists, it lets the next worker
// answer such a list before it has decoded any list row: the page's bugs are
// then read one by one (bugs.excerpt). It is valid for exactly the catalog it
// was built from: the index counts its writes, and a view stored at another
// count is ignored.

import type { Query, SortBy } from '../gitbug/query.js';
import { windowOf, type SearchIndex, type Window } from '../gitbug/query-match.js';

export interface ListView {
  /** bugs.n of each position (the search index's bug order: compiled bugs by id) */
  readonly ns: Int32Array;
  /** per position: 1 when closed */
  readonly closed: Uint8Array;
  /** positions in ascending order, per sort key */
  readonly orders: Readonly<Record<SortBy, Int32Array>>;
}

const SORTS: readonly SortBy[] = ['id', 'creation', 'edit'];

/** Bumped when the encoding changes (with the index's schema version). */
const VERSION = 1;

/** The view of a built search index whose bug at position p is row ns[p]. */
export function listViewOf(search: Pick<SearchIndex<never>, 'closed' | 'orders'>, ns: Int32Array): ListView {
  return { ns, closed: search.closed, orders: search.orders };
}

/** 32-bit words in the machine's byte order (an index never moves between machines): version, count, ns, each order; then the closed bytes. */
export function encodeListView(view: ListView): Buffer {
  const n = view.ns.length;
  const words = new Int32Array(2 + n * (1 + SORTS.length));
  words[0] = VERSION;
  words[1] = n;
  words.set(view.ns, 2);
  SORTS.forEach((by, i) => words.set(view.orders[by], 2 + n * (1 + i)));
  return Buffer.concat([Buffer.from(words.buffer), Buffer.from(view.closed)]);
}

/** Throws on bytes that are not a view of this version (the caller then ignores the view). */
export function decodeListView(bytes: Uint8Array): ListView {
  if (bytes.byteLength < 8) throw new Error('list view too short');
  // A copy, aligned for the typed arrays (a BLOB's buffer may start anywhere).
  const copy = new Uint8Array(bytes);
  const head = new Int32Array(copy.buffer, 0, 2);
  const [version, n] = head;
  if (version !== VERSION) throw new Error(`list view version ${version}, expected ${VERSION}`);
  const wordBytes = 4 * (2 + n * (1 + SORTS.length));
  if (n < 0 || copy.byteLength !== wordBytes + n) throw new Error('list view of the wrong length');
  const part = (i: number) => new Int32Array(copy.buffer, 4 * (2 + n * i), n);
  const orders = { id: part(1), creation: part(2), edit: part(3) } satisfies Record<SortBy, Int32Array>;
  for (const by of SORTS) for (const p of orders[by]) if (!(p >= 0 && p < n)) throw new Error('list view position out of range');
  return { ns: part(0), closed: new Uint8Array(copy.buffer, wordBytes, n), orders };
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
