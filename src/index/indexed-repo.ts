// A worker's view of a repository backed by its persisted index: in memory
// only what lists and queries need (one BugRow per bug, the identities, the
// damaged list); a bug page is read from the index when asked, as the UTF-8
// JSON bytes it was stored as; free text goes through the index's trigram table.

import { DamagedDataError } from '../errors.js';
import { listExcerpt, listPage, readableId, withSnippet, type RepoView } from '../cache/repo-index.js';
import { parseBugJson, type BugJson, type ListReply, type ListRequest } from '../cache/protocol.js';
import { resolvePrefix } from '../gitbug/id.js';
import { buildSearchIndex, runQueryWithCounts, type SearchIndex } from '../gitbug/query-match.js';
import { DEFAULT_QUERY, parseQuery } from '../gitbug/query.js';
import type { Bug, DamagedBug, Identity } from '../gitbug/types.js';
import { decodeTexts } from './bug-texts.js';
import type { BugRow, CatalogEntry } from './catalog.js';
import type Database from 'better-sqlite3';
import type { IndexDb } from './index-file.js';

type Statement = Database.Statement<unknown[]>;

export class IndexedRepo implements RepoView {
  private readonly search: SearchIndex<BugRow>;
  /** bugs.n -> position in the search index */
  private readonly position = new Map<number, number>();
  readonly damaged: readonly DamagedBug[];
  private readonly damagedById: Map<string, DamagedBug>;
  private readonly bugIds: string[];
  private readonly identityIds: string[];
  private readonly readPage: (n: number) => Buffer | undefined;
  private readonly readBody: (n: number) => string | undefined;
  /** bug id -> bugs.n */
  private readonly nOf = new Map<string, number>();
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly db: IndexDb,
    /** the live bugs, sorted by id (the catalog) */
    entries: readonly CatalogEntry[],
    private readonly identities: ReadonlyMap<string, Identity>,
  ) {
    const rows: BugRow[] = [];
    const damaged: DamagedBug[] = [];
    for (const e of entries) {
      if (e.row) {
        this.position.set(e.n, rows.length);
        this.nOf.set(e.id, e.n);
        rows.push(e.row);
      } else if (e.damaged) {
        damaged.push(e.damaged);
      }
    }
    this.search = buildSearchIndex(rows, identities);
    this.damaged = damaged;
    this.damagedById = new Map(damaged.map((d) => [d.id, d]));
    this.bugIds = entries.map((e) => e.id);
    this.identityIds = [...identities.keys()].sort();
    // As a BLOB: the stored UTF-8 bytes in a new buffer, ~10x cheaper than a
    // JS string for a long page, and the worker can move the buffer away.
    const page = db.prepare('SELECT CAST(page AS BLOB) FROM bugs WHERE n = ?').pluck();
    this.readPage = (n) => page.get(n) as Buffer | undefined;
    const body = db.prepare('SELECT body FROM bug_body WHERE n = ?').pluck();
    this.readBody = (n) => body.get(n) as string | undefined;
  }

  get bugCount(): number {
    return this.search.bugs.length;
  }

  get identityCount(): number {
    return this.identities.size;
  }

  list(req: Omit<ListRequest, 'kind'>): ListReply {
    const query = parseQuery(req.q ?? DEFAULT_QUERY);
    const found = runQueryWithCounts(this.search, query, (needles) => this.textMatch(needles));
    return listPage(req, found, this.damaged, (r) => {
      const e = listExcerpt(r, r.comments, r.closedAt);
      if (query.text.length === 0) return e;
      // A snippet comes from the title when the title has the term: no read then.
      const inTitle = r.title.toLowerCase().includes(query.text[0].toLowerCase());
      return withSnippet(e, inTitle ? { title: r.title, comments: [] } : this.texts(r.id), query.text);
    });
  }

  bug(prefix: string): Bug {
    return parseBugJson(this.bugJson(prefix).json);
  }

  bugJson(prefix: string): BugJson {
    const id = readableId(this.bugIds, this.damagedById, prefix);
    const json = this.readPage(this.nOf.get(id)!);
    if (json === undefined) throw new DamagedDataError(id, 'the bug left the index while this worker was answering; try again');
    return { id, json };
  }

  identity(prefix: string): Identity {
    return this.identities.get(resolvePrefix(this.identityIds, prefix, 'identity'))!;
  }

  resolve(what: 'bug' | 'identity', prefix: string): string {
    return resolvePrefix(what === 'bug' ? this.bugIds : this.identityIds, prefix, what);
  }

  /** Title and comment texts for a snippet, without reading the whole bug. */
  private texts(id: string): Pick<Bug, 'title' | 'comments'> {
    return decodeTexts(this.readBody(this.nOf.get(id)!) ?? '');
  }

  /** Prepared once per shape of text query (how many short terms), a few kept. */
  private statement(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) {
      if (this.statements.size >= 16) this.statements.delete(this.statements.keys().next().value!);
      st = this.db.prepare(sql).pluck();
      this.statements.set(sql, st);
    }
    return st;
  }

  /**
   * Positions of the bugs whose text holds every needle. Terms of three
   * characters or more go through the trigram index (a quoted FTS5 string is
   * a substring match); shorter ones are checked with instr() on the rows the
   * others left, or on every row when there is no longer term.
   */
  private textMatch(needles: readonly string[]): Uint8Array | null {
    const long = needles.filter((t) => [...t].length >= 3);
    const short = needles.filter((t) => [...t].length < 3 && t.length > 0);
    const where: string[] = [];
    const params: string[] = [];
    if (long.length > 0) {
      where.push('bug_text MATCH ?');
      params.push(long.map((t) => `"${t.replaceAll('"', '""')}"`).join(' AND '));
    }
    for (const t of short) {
      where.push('instr(text, ?) > 0');
      params.push(t);
    }
    const sql = `SELECT rowid FROM bug_text${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}`;
    const mask = new Uint8Array(this.search.bugs.length);
    let any = false;
    for (const n of this.statement(sql).iterate(...params) as IterableIterator<number>) {
      const at = this.position.get(n);
      if (at === undefined) continue;
      mask[at] = 1;
      any = true;
    }
    return any ? mask : null;
  }
}
