// A worker's view of a repository backed by its persisted index: in memory
// only what lists and queries need (one BugRow per bug, the identities, the
// damaged list); a bug page is read from the index when asked, with a small
// LRU of parsed bugs; free text goes through the index's trigram table.

import { DamagedDataError, UnsupportedFormatError } from '../errors.js';
import { closedAtOf, listExcerpt, publicBug, withSnippet, type RepoView } from '../cache/repo-index.js';
import type { ListReply, ListRequest } from '../cache/protocol.js';
import { resolvePrefix } from '../gitbug/id.js';
import { buildSearchIndex, mentionedPeople, runQueryWithCounts, type SearchableBug, type SearchIndex } from '../gitbug/query-match.js';
import { DEFAULT_QUERY, parseQuery } from '../gitbug/query.js';
import type { Bug, CompiledBug, DamagedBug, Identity } from '../gitbug/types.js';
import type { IndexDb } from './index-file.js';

/** What the index keeps per bug for lists: the excerpt's fields plus what queries look at. */
export interface BugRow extends SearchableBug {
  labels: string[];
  comments: number;
  closedAt?: string;
}

export function toRow(b: CompiledBug): BugRow {
  const closedAt = closedAtOf(b);
  return {
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
    ...(closedAt ? { closedAt } : {}),
  };
}

/** Parsed bugs kept for repeated pages; a 651-comment bug is a few hundred KB. */
const BUG_CACHE = 32;

export class IndexedRepo implements RepoView {
  private readonly search: SearchIndex<BugRow>;
  /** bugs.n -> position in `rows` */
  private readonly position = new Map<number, number>();
  private readonly damagedById: Map<string, DamagedBug>;
  private readonly bugIds: string[];
  private readonly identityIds: string[];
  private readonly parsed = new Map<string, CompiledBug>();
  private readonly readBug: (id: string) => string | undefined;
  private readonly readBody: (n: number) => string | undefined;
  /** bug id -> bugs.n */
  private readonly nOf = new Map<string, number>();

  constructor(
    private readonly db: IndexDb,
    rows: readonly { n: number; row: BugRow }[],
    readonly damaged: readonly DamagedBug[],
    private readonly identities: ReadonlyMap<string, Identity>,
  ) {
    rows.forEach((r, i) => {
      this.position.set(r.n, i);
      this.nOf.set(r.row.id, r.n);
    });
    this.search = buildSearchIndex(
      rows.map((r) => r.row),
      identities,
    );
    this.damagedById = new Map(damaged.map((d) => [d.id, d]));
    this.bugIds = [...rows.map((r) => r.row.id), ...this.damagedById.keys()].sort();
    this.identityIds = [...identities.keys()].sort();
    const read = db.prepare('SELECT bug FROM bugs WHERE id = ?').pluck();
    this.readBug = (id) => read.get(id) as string | undefined;
    const body = db.prepare('SELECT body FROM bug_text WHERE rowid = ?').pluck();
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
    const { bugs, open, closed } = runQueryWithCounts(this.search, query, (needles) => this.textMatch(needles));
    const start = (req.page - 1) * req.perPage;
    return {
      total: bugs.length,
      open,
      closed,
      page: req.page,
      perPage: req.perPage,
      bugs: bugs.slice(start, start + req.perPage).map((r) => {
        const e = listExcerpt(r, r.comments, r.closedAt);
        return query.text.length > 0 ? withSnippet(e, this.texts(r.id), query.text) : e;
      }),
      damaged: [...this.damaged],
    };
  }

  bug(prefix: string): Bug {
    const id = resolvePrefix(this.bugIds, prefix, 'bug');
    const damaged = this.damagedById.get(id);
    if (damaged) {
      throw damaged.code === 'unsupported_format'
        ? new UnsupportedFormatError(id, damaged.version ?? 'unknown')
        : new DamagedDataError(id, damaged.reason);
    }
    return publicBug(this.compiled(id));
  }

  bugJson(prefix: string): string {
    return JSON.stringify(this.bug(prefix));
  }

  identity(prefix: string): Identity {
    return this.identities.get(resolvePrefix(this.identityIds, prefix, 'identity'))!;
  }

  resolve(what: 'bug' | 'identity', prefix: string): string {
    return resolvePrefix(what === 'bug' ? this.bugIds : this.identityIds, prefix, what);
  }

  /** Title and comment texts for a snippet, without reading the whole bug. */
  private texts(id: string): Pick<Bug, 'title' | 'comments'> {
    const json = this.readBody(this.nOf.get(id)!);
    const [title, ...messages] = json === undefined ? [''] : (JSON.parse(json) as string[]);
    return { title, comments: messages.map((message) => ({ message }) as Bug['comments'][number]) };
  }

  private compiled(id: string): CompiledBug {
    let bug = this.parsed.get(id);
    if (bug) {
      this.parsed.delete(id);
    } else {
      const json = this.readBug(id);
      if (json === undefined) throw new DamagedDataError(id, 'the bug left the index while this worker was answering; try again');
      bug = JSON.parse(json) as CompiledBug;
      if (this.parsed.size >= BUG_CACHE) this.parsed.delete(this.parsed.keys().next().value!);
    }
    this.parsed.set(id, bug);
    return bug;
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
    for (const n of this.db
      .prepare(sql)
      .pluck()
      .iterate(...params) as IterableIterator<number>) {
      const at = this.position.get(n);
      if (at === undefined) continue;
      mask[at] = 1;
      any = true;
    }
    return any ? mask : null;
  }
}
