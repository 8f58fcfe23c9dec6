// What a repository's worker holds once built: every compiled bug and
// identity, the search index, and sorted ids for prefix lookups. Pure and
// synchronous: it needs no thread of its own (`bugserve bugs` uses publicBug
// from here on the main thread); its tests reach it through a real worker
// (test/integration/cache.test.ts).

import { DamagedDataError, UnsupportedFormatError } from '../errors.js';
import { resolvePrefix } from '../gitbug/id.js';
import type { LoadedRepository } from '../gitbug/load.js';
import { buildSearchIndex, runQueryWithCounts, type SearchIndex, type Window } from '../gitbug/query-match.js';
import { DEFAULT_QUERY, parseQuery } from '../gitbug/query.js';
import type { Bug, BugExcerpt, CompiledBug, DamagedBug, Identity } from '../gitbug/types.js';
import type { BugJson, ListRequest, ListWire } from './protocol.js';

const utf8 = new TextEncoder();

/** What a worker answers from: built in memory (RepoIndex) or read from the persisted index. */
export interface RepoView {
  readonly bugCount: number;
  readonly identityCount: number;
  /** damaged.length, without reading every bug's key where it is not read yet */
  readonly damagedCount: number;
  readonly damaged: readonly DamagedBug[];
  /** A list page, its excerpts as JSON (ListWire: what the worker sends). */
  list(req: Omit<ListRequest, 'kind'>): ListWire;
  bug(prefix: string): Bug;
  /**
   * The bug's full id and its API JSON (what bug() returns) as UTF-8 bytes in
   * a buffer of their own, so a page crosses the thread boundary (moved, not
   * copied) and the socket without re-encoding. Throws as bug() does.
   */
  bugJson(prefix: string): BugJson;
  identity(prefix: string): Identity;
  /** The full id `prefix` names (a damaged bug's too). */
  resolve(what: 'bug' | 'identity', prefix: string): string;
  /** false while what lists need is left for the first list (or warm()) */
  readonly listsReady: boolean;
  /**
   * Builds now what lists need, if the view left it for its first list, for
   * about `budgetMs` at a time (all at once without one); true once done.
   */
  warm(budgetMs?: number): boolean;
}

export class RepoIndex implements RepoView {
  private readonly bugsById: Map<string, CompiledBug>;
  private readonly damagedById: Map<string, DamagedBug>;
  /** bug ids, damaged ones included, sorted: a prefix names one of them or is ambiguous */
  private readonly bugIds: string[];
  private readonly identityIds: string[];
  private readonly search: SearchIndex;

  constructor(private readonly repo: LoadedRepository) {
    this.bugsById = new Map(repo.bugs.map((b) => [b.id, b]));
    this.damagedById = new Map(repo.damaged.map((d) => [d.id, d]));
    this.bugIds = [...this.bugsById.keys(), ...this.damagedById.keys()].sort();
    this.identityIds = [...repo.identities.keys()].sort();
    this.search = buildSearchIndex(repo.bugs, repo.identities);
  }

  get bugCount(): number {
    return this.repo.bugs.length;
  }

  get identityCount(): number {
    return this.repo.identities.size;
  }

  get damaged(): readonly DamagedBug[] {
    return this.repo.damaged;
  }

  get damagedCount(): number {
    return this.repo.damaged.length;
  }

  /** Built whole in the constructor. */
  readonly listsReady = true;

  warm(): boolean {
    return true;
  }

  list(req: Omit<ListRequest, 'kind'>): ListWire {
    const query = parseQuery(req.q ?? DEFAULT_QUERY);
    return listPage(req, runQueryWithCounts(this.search, query, undefined, pageWindow(req)), this.repo.damaged, (b) => {
      const snippet = snippetFor(b.title, query.text, (term) =>
        firstHolding(
          b.comments.map((c) => c.message),
          term,
        ),
      );
      return withSnippet(JSON.stringify(excerpt(b)), snippet);
    });
  }

  bug(prefix: string): Bug {
    return publicBug(this.bugsById.get(this.readableId(prefix))!);
  }

  bugJson(prefix: string): BugJson {
    const id = this.readableId(prefix);
    return { id, json: utf8.encode(JSON.stringify(publicBug(this.bugsById.get(id)!))) };
  }

  /** The full id `prefix` names, or why it cannot be read. */
  private readableId(prefix: string): string {
    return readableId(this.bugIds, this.damagedById, prefix);
  }

  /** The full id `prefix` names; a damaged bug's too (asking for it then says why it cannot be read). */
  resolve(what: 'bug' | 'identity', prefix: string): string {
    return resolvePrefix(what === 'bug' ? this.bugIds : this.identityIds, prefix, what);
  }

  identity(prefix: string): Identity {
    return this.repo.identities.get(resolvePrefix(this.identityIds, prefix, 'identity'))!;
  }
}

/**
 * The full id of the compiled bug `prefix` names among `ids`; throws not
 * found, ambiguous, or why a damaged bug cannot be read.
 */
export function readableId(ids: readonly string[], damagedById: ReadonlyMap<string, DamagedBug>, prefix: string): string {
  const id = resolvePrefix(ids, prefix, 'bug');
  const damaged = damagedById.get(id);
  if (damaged) {
    throw damaged.code === 'unsupported_format'
      ? new UnsupportedFormatError(id, damaged.version ?? 'unknown')
      : new DamagedDataError(id, damaged.reason);
  }
  return id;
}

/** The matches page `req` shows, as positions in the query's order. */
export function pageWindow(req: Pick<ListRequest, 'page' | 'perPage'>): Window {
  return { start: (req.page - 1) * req.perPage, count: req.perPage };
}

/** One page of a query's result (`found` holds the page's bugs: pageWindow), as both views answer it. */
export function listPage<T>(
  req: Pick<ListRequest, 'page' | 'perPage'>,
  found: { bugs: readonly T[]; total: number; open: number; closed: number },
  damaged: readonly DamagedBug[],
  /** a bug's excerpt as JSON */
  excerptJson: (b: T) => string,
): ListWire {
  return {
    total: found.total,
    open: found.open,
    closed: found.closed,
    page: req.page,
    perPage: req.perPage,
    bugsJson: `[${found.bugs.map(excerptJson).join(',')}]`,
    damaged: [...damaged],
  };
}

/** When a closed bug was last closed: its newest status change. */
export function closedAtOf(b: Bug): string | undefined {
  return b.status === 'closed' ? b.timeline.findLast((t) => t.type === 'status')?.at : undefined;
}

export function excerpt(b: CompiledBug): BugExcerpt {
  return listExcerpt(b, b.comments.length, closedAtOf(b));
}

/** The excerpt's fields from any bug-shaped record (a compiled bug, or a persisted list row). */
export function listExcerpt(
  b: Pick<BugExcerpt, 'id' | 'title' | 'status' | 'labels' | 'author' | 'createdAt' | 'editedAt'>,
  comments: number,
  closedAt: string | undefined,
): BugExcerpt {
  // Two literals, not a spread of a conditional object: the spread took ~8 µs
  // an excerpt (a slow path in V8), most of a warm list's time.
  const { id, title, status, labels, author, createdAt, editedAt } = b;
  return closedAt
    ? { closedAt, id, title, status, labels, author, createdAt, editedAt, comments }
    : { id, title, status, labels, author, createdAt, editedAt, comments };
}

const SNIPPET_CHARS = 160;

/**
 * The text around the first free-text term's first occurrence in a comment;
 * none when no term was asked or when the title holds it (the list shows
 * the title, and `find` is not asked).
 */
export function snippetFor(
  title: string,
  terms: readonly string[],
  /** the first comment holding a term (lowercased), and where in it */
  find: (term: string, around: number) => Found | undefined,
): string | undefined {
  if (terms.length === 0) return undefined;
  const term = terms[0].toLowerCase();
  if (title.toLowerCase().includes(term)) return undefined;
  const found = find(term, SNIPPET_CHARS);
  return found && snippetAt(found, term.length);
}

/**
 * A term found in a comment: the comment's text, or a window of it that
 * holds more than `around` characters on each side it cuts (so a snippet of
 * it is the snippet of the whole comment, its "…" included), and the
 * match's offset in that text, in UTF-16 units.
 */
export interface Found {
  text: string;
  at: number;
}

/** The first text holding `needle` (lowercased), and where in it (in the lowercased text). */
export function firstHolding(texts: Iterable<string>, needle: string): Found | undefined {
  for (const text of texts) {
    const at = text.toLowerCase().indexOf(needle);
    // toLowerCase keeps a text's length but for a dotted capital I.
    if (at !== -1) return { text, at: Math.min(at, text.length) };
  }
  return undefined;
}

/** The text around a term of `length` characters found at `found.at`, spaces collapsed. */
function snippetAt(found: Found, length: number): string {
  const { text, at } = found;
  const start = Math.max(0, at - Math.floor((SNIPPET_CHARS - length) / 2));
  const end = Math.min(text.length, start + SNIPPET_CHARS);
  const body = text.slice(start, end).replace(/\s+/g, ' ').trim();
  return (start > 0 ? '…' : '') + body + (end < text.length ? '…' : '');
}

/** An excerpt's JSON with its snippet as one more field, the last (the excerpt is not built again). */
export function withSnippet(excerptJson: string, snippet: string | undefined): string {
  return snippet === undefined ? excerptJson : `${excerptJson.slice(0, -1)},"snippet":${JSON.stringify(snippet)}}`;
}

/** The API's bug: the cache's record without the fields only sorting uses. */
export function publicBug(b: CompiledBug): Bug {
  const { createClock: _c, editClock: _e, ...bug } = b;
  return bug;
}
