// A worker's view of a repository backed by its persisted index: in memory
// only what lists and queries need (one BugRow per bug, the identities, the
// damaged list), each read when first needed; a bug page is read from the
// index when asked, as the UTF-8 JSON bytes it was stored as; free text goes
// through the index's words (word-index.ts). Until the rows are read, a list
// of a status and an order comes from the stored list view (list-view.ts);
// the lists built from the rows store it for the next open.

import { DamagedDataError } from '../errors.js';
import { listPage, pageWindow, readableId, snippetFor, withSnippet, type RepoView } from '../cache/repo-index.js';
import { parseBugJson, type BugJson, type ListRequest, type ListWire } from '../cache/protocol.js';
import { resolvePrefix } from '../gitbug/id.js';
import { buildSearchIndex, runQueryWithCounts, type SearchIndex } from '../gitbug/query-match.js';
import { DEFAULT_QUERY, parseQuery, type Query } from '../gitbug/query.js';
import type { Bug, DamagedBug, Identity } from '../gitbug/types.js';
import { findInComments, holdsAll } from './bug-texts.js';
import { bugTableReader, type BugTableReader } from './bug-table.js';
import { excerptJson, type BugRow } from './catalog.js';
import { storeListView } from './catalog-table.js';
import { listViewOf, statusOnly, viewPage, type ListView } from './list-view.js';
import type { CatalogSource } from './catalog-source.js';
import { isCorruption, isWriteFailure, type IndexDb } from './index-file.js';
import { bothOf, countRows, forEachRow, piecesOf, spansWords, WordIndexReader, type Place, type RowSet } from './word-index.js';
import { isPlainPhrase, phraseWords, positionsReader, rowsWithPhrase, storedBlocks } from './word-positions.js';

/** Lists warm() runs (each ~1-4 ms in a fresh thread). */
const WARM_LISTS = 5;

/** What finding a bug by id needs, built from the keys when first needed. */
interface Ids {
  /** bug ids, damaged ones included, sorted */
  bugIds: string[];
  /** bug id -> bugs.n */
  nOf: Map<string, number>;
  damaged: DamagedBug[];
  damagedById: Map<string, DamagedBug>;
}

/** What lists need, built from the rows on the first list (or warm()). */
interface Lists {
  search: SearchIndex<BugRow>;
  /** bugs.n -> position in the search index (-1: none) */
  position: Int32Array;
}

export class IndexedRepo implements RepoView {
  private byId: Ids | undefined;
  private lists: Lists | undefined;
  /** warm() has run to its end */
  private warmed = false;
  private readonly identityIds: string[];
  private readonly rows: BugTableReader;
  private readonly words: WordIndexReader;
  private readonly positions: (id: number, block: number) => Buffer | undefined;
  /** Runs `f` in one read transaction: SQLite otherwise starts one for every row read (~5 µs each here). */
  private readonly inRead: <T>(f: () => T) => T;
  private readonly excerptJsons = new WeakMap<BugRow, string>();

  constructor(
    private readonly db: IndexDb,
    /**
     * The bugs' keys and list rows, read when first needed: a bug page asked
     * by an id that names one page needs neither, so an open can answer pages
     * before it has decoded 10k keys or rows.
     */
    private readonly catalog: CatalogSource,
    private readonly identities: ReadonlyMap<string, Identity>,
  ) {
    this.identityIds = [...identities.keys()].sort();
    this.rows = bugTableReader(db);
    this.words = new WordIndexReader(db);
    this.positions = positionsReader(db);
    const inTransaction = db.transaction((f: () => unknown) => f());
    this.inRead = <T>(f: () => T) => inTransaction(f) as T;
  }

  get bugCount(): number {
    return this.catalog.bugs;
  }

  get damagedCount(): number {
    return this.catalog.damaged;
  }

  get damaged(): readonly DamagedBug[] {
    return this.ids().damaged;
  }

  get identityCount(): number {
    return this.identities.size;
  }

  get listsReady(): boolean {
    return this.lists !== undefined;
  }

  warm(budgetMs = Infinity): boolean {
    if (this.warmed) return true;
    const until = performance.now() + budgetMs;
    // The rows a shard at a time (~200 ms for 10k in a fresh thread): requests run between steps.
    if (!this.lists) {
      if (!this.catalog.readAhead(until)) return false;
      this.ready();
      if (performance.now() >= until) return false;
    }
    // A fresh thread runs the list code in V8's interpreter first, and its
    // first few lists cost 2-4x a warm one (measured: 4.4, 3.9, 2.7, then
    // 1.3 ms): a few lists now, between requests, so a visitor's first list
    // runs compiled code.
    for (let i = 0; i < WARM_LISTS; i++) this.list({ q: undefined, page: 1, perPage: 50 });
    this.warmed = true;
    return true;
  }

  private ids(): Ids {
    if (this.byId) return this.byId;
    const keys = this.catalog.keys();
    const nOf = new Map<string, number>();
    const damaged: DamagedBug[] = [];
    for (const k of keys) {
      if (k.damaged) damaged.push(k.damaged);
      else nOf.set(k.id, k.n);
    }
    this.byId = { bugIds: keys.map((k) => k.id), nOf, damaged, damagedById: new Map(damaged.map((d) => [d.id, d])) };
    return this.byId;
  }

  private ready(): Lists {
    if (this.lists) return this.lists;
    const { nOf } = this.ids();
    const stored = this.catalog.listView();
    const rows: BugRow[] = [];
    const numbers: number[] = [];
    for (const r of this.catalog.rows()) {
      if (!r) continue;
      const n = nOf.get(r.id)!;
      numbers.push(n);
      rows.push(r);
    }
    const ns = Int32Array.from(numbers);
    const position = new Int32Array(ns.reduce((max, n) => Math.max(max, n), 0) + 1).fill(-1);
    ns.forEach((n, at) => (position[n] = at));
    // The stored view's orders, when it lists these very rows: no sorting then.
    const same = stored !== undefined && stored.ns.length === ns.length && stored.ns.every((n, p) => n === ns[p]);
    const search = buildSearchIndex(rows, this.identities, same ? stored.orders : undefined);
    this.lists = { search, position };
    if (!same) this.storeView(listViewOf(search, ns, rows));
    return this.lists;
  }

  /** Stores the list view for the next open; a file that will not take it only costs that open its shortcut. */
  private storeView(view: ListView): void {
    try {
      storeListView(this.db, this.catalog.writes, view);
    } catch (err) {
      if (!isWriteFailure(err) && !isCorruption(err)) throw err;
    }
  }

  /**
   * A status-only list from the stored list view, before any row is read
   * (a reopen's first list): the page's excerpts are read one by one.
   * Undefined when the view cannot answer it.
   */
  private quickList(req: Omit<ListRequest, 'kind'>, query: Query): ListWire | undefined {
    if (this.catalog.damaged > 0 || !statusOnly(query)) return undefined;
    const view = this.catalog.listView();
    if (!view) return undefined;
    const found = viewPage(view, query, pageWindow(req));
    const bugs: string[] = [];
    for (const n of found.ns) {
      const json = this.rows.excerpt(n);
      if (json === undefined) return undefined;
      bugs.push(json);
    }
    return listPage(req, { ...found, bugs }, [], (json) => json);
  }

  /**
   * The one compiled bug `prefix` names, found in the pages' own id index
   * while the keys are not read; undefined when that cannot tell (no match,
   * several, or damaged bugs that a prefix might name too): ask the keys.
   */
  private onePage(prefix: string): string | undefined {
    if (this.byId || this.catalog.damaged > 0) return undefined;
    const p = prefix.toLowerCase();
    if (!/^[0-9a-f]+$/.test(p)) return undefined;
    // Ids are lowercase hex: every id starting with p sorts below p + 'g'.
    const found = this.rows.idsFrom(p, p + 'g');
    return found.length === 1 ? found[0] : undefined;
  }

  list(req: Omit<ListRequest, 'kind'>): ListWire {
    const query = parseQuery(req.q ?? DEFAULT_QUERY);
    const quick = this.lists ? undefined : this.quickList(req, query);
    if (quick) return quick;
    // Before the read transaction: the first list may store the list view.
    const { search } = this.ready();
    return this.inRead(() => {
      const found = runQueryWithCounts(search, query, (needles) => this.textMatch(needles), pageWindow(req));
      return listPage(req, found, this.ids().damaged, (r) => {
        const snippet = snippetFor(r.title, query.text, (term, around) => {
          const body = this.rows.body(this.ids().nOf.get(r.id)!);
          return body && findInComments(body, term, around);
        });
        return withSnippet(this.excerptJson(r), snippet);
      });
    });
  }

  bug(prefix: string): Bug {
    return parseBugJson(this.bugJson(prefix).json);
  }

  bugJson(prefix: string): BugJson {
    const one = this.onePage(prefix);
    const json = one === undefined ? undefined : this.rows.pageById(one);
    if (one !== undefined && json !== undefined) return { id: one, json };
    const { bugIds, damagedById, nOf } = this.ids();
    const id = readableId(bugIds, damagedById, prefix);
    const page = this.rows.page(nOf.get(id)!);
    if (page === undefined) throw new DamagedDataError(id, 'the bug left the index while this worker was answering; try again');
    return { id, json: page };
  }

  identity(prefix: string): Identity {
    return this.identities.get(resolvePrefix(this.identityIds, prefix, 'identity'))!;
  }

  resolve(what: 'bug' | 'identity', prefix: string): string {
    if (what === 'identity') return resolvePrefix(this.identityIds, prefix, what);
    return this.onePage(prefix) ?? resolvePrefix(this.ids().bugIds, prefix, what);
  }

  /** A row's excerpt as JSON, made once (at most one string per bug). */
  private excerptJson(r: BugRow): string {
    let json = this.excerptJsons.get(r);
    if (json === undefined) this.excerptJsons.set(r, (json = excerptJson(r)));
    return json;
  }

  /**
   * Positions of the bugs whose text holds every needle: the word index
   * answers a needle within a word exactly; a needle that spans words keeps
   * the rows holding its pieces where it stands, by the words' positions
   * when it is a plain phrase (word-positions.ts), else by their texts.
   */
  private textMatch(needles: readonly string[]): Uint8Array | null {
    const { search, position } = this.ready();
    let rows: RowSet | undefined;
    const ids = new Map<string, number[]>();
    const wordsWith = (piece: string, place: Place) => {
      const key = `${place}:${piece}`;
      let found = ids.get(key);
      if (!found) ids.set(key, (found = this.words.wordsWith(piece, place)));
      return found;
    };
    // Every word of every needle (an empty needle has none: it is in every text).
    for (const { piece, place } of needles.flatMap(piecesOf)) {
      const holding = this.words.rowsOf(wordsWith(piece, place));
      rows = rows === undefined ? holding : bothOf(rows, holding);
      if (rows.size === 0) return null;
    }
    const spanning = needles.filter(spansWords);
    const fromTexts = spanning.filter((needle) => !isPlainPhrase(needle));
    // A phrase has pieces, so rows is set whenever there is one.
    if (rows) {
      for (const phrase of spanning.filter(isPlainPhrase)) {
        const words = phraseWords(phrase, wordsWith);
        // A stored block of positions costs about what a candidate's texts
        // do: a phrase whose pieces fit thousands of words (a big
        // vocabulary's words ending in "e") reads the candidates instead.
        if (storedBlocks(words, rows) > 2 * countRows(rows)) {
          fromTexts.push(phrase);
          continue;
        }
        rows = rowsWithPhrase(words, rows, this.positions);
        if (rows.size === 0) return null;
      }
    }
    const holds = (n: number) => {
      if (fromTexts.length === 0) return true;
      const body = this.rows.body(n);
      return body !== undefined && holdsAll(body, fromTexts);
    };
    const mask = new Uint8Array(search.bugs.length);
    let any = false;
    const test = (n: number) => {
      const at = n < position.length ? position[n] : -1;
      if (at === -1 || !holds(n)) return;
      mask[at] = 1;
      any = true;
    };
    if (rows) forEachRow(rows, test);
    else for (const n of this.ids().nOf.values()) test(n);
    return any ? mask : null;
  }
}
