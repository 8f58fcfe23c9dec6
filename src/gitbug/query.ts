// git-bug's query language: parsing only (matching is in query-match.ts).
//
// Follows git-bug's query/lexer.go and query/parser.go:
// - the input splits on whitespace, except inside "double" or 'single' quotes;
// - a field splits on ':' outside quotes: one chunk is free text, two are
//   `qualifier:value`, three are `qualifier:sub:value` (git-bug's metadata);
// - a chunk wrapped in matching quotes loses them;
// - qualifiers: status (alias state), author, participant, actor, label,
//   title, no:label, sort; anything else is an error, as is a bad status or
//   sort value, a second sort, an empty qualifier or value, an open quote.
// bugserve reads qualifier names and status/sort/no values case-insensitively
// (git-bug's docs say "queries are case insensitive"; its parser lowercases
// only the status).

import { InvalidQueryError } from '../errors.js';
import type { Status } from './types.js';

export type SortBy = 'id' | 'creation' | 'edit';
export type SortDir = 'asc' | 'desc';

export interface Query {
  /** any of these statuses (OR); empty means any status */
  status: Status[];
  /** author matches any of these names (OR) */
  authors: string[];
  /** some participant matches any of these names (OR) */
  participants: string[];
  /** some actor matches any of these names (OR) */
  actors: string[];
  /** carries every one of these labels (AND), compared exactly */
  labels: string[];
  /** title contains every one of these (AND), case-insensitively */
  titles: string[];
  /** only bugs without labels */
  noLabel: boolean;
  /** free-text terms: each must appear in the title or a comment (AND) */
  text: string[];
  sort: { by: SortBy; dir: SortDir };
}

/** What a missing `q` means (an empty `q` means every bug). */
export const DEFAULT_QUERY = 'status:open';
export const MAX_QUERY_LENGTH = 1024;

/** git-bug's default order: newest creation first. */
export const DEFAULT_SORT: Query['sort'] = { by: 'creation', dir: 'desc' };

const QUALIFIERS = ['status', 'state', 'author', 'participant', 'actor', 'label', 'title', 'no', 'sort'];

// git-bug's sort values and the direction each implies.
const SORTS: Record<string, Query['sort']> = {
  id: { by: 'id', dir: 'asc' },
  'id-asc': { by: 'id', dir: 'asc' },
  'id-desc': { by: 'id', dir: 'desc' },
  creation: { by: 'creation', dir: 'desc' },
  'creation-asc': { by: 'creation', dir: 'asc' },
  'creation-desc': { by: 'creation', dir: 'desc' },
  edit: { by: 'edit', dir: 'desc' },
  'edit-asc': { by: 'edit', dir: 'asc' },
  'edit-desc': { by: 'edit', dir: 'desc' },
};

export function emptyQuery(): Query {
  return {
    status: [],
    authors: [],
    participants: [],
    actors: [],
    labels: [],
    titles: [],
    noLabel: false,
    text: [],
    sort: { ...DEFAULT_SORT },
  };
}

export function parseQuery(input: string): Query {
  if (input.length > MAX_QUERY_LENGTH) {
    throw new InvalidQueryError(`the query is too long: ${input.length} characters, the limit is ${MAX_QUERY_LENGTH}`);
  }
  const q = emptyQuery();
  let sorted = false;

  for (const field of splitOutsideQuotes(input, isSpace)) {
    const chunks = splitOutsideQuotes(field, (c) => c === ':');
    if (field.startsWith(':') || field.endsWith(':') || chunks.length === 0) {
      throw new InvalidQueryError(`"${field}" has an empty qualifier or value`);
    }
    const parts = chunks.map(unquote);

    if (parts.length === 1) {
      // A quoted empty term ("") asks for nothing: skip it.
      if (parts[0] !== '') q.text.push(parts[0]);
      continue;
    }
    if (parts.length === 3) {
      const name = parts[0].toLowerCase();
      if (name === 'metadata') {
        throw new InvalidQueryError(`the "metadata" qualifier is not supported by bugserve (in "${field}")`);
      }
      throw new InvalidQueryError(`unknown qualifier "${parts[0]}:${parts[1]}" in "${field}"`);
    }
    if (parts.length > 3) {
      throw new InvalidQueryError(`"${field}" has too many ':' separators; quote a value that contains one`);
    }

    const [rawName, value] = parts as [string, string];
    const name = rawName.toLowerCase();
    if (!QUALIFIERS.includes(name)) {
      throw new InvalidQueryError(
        `unknown qualifier "${rawName}" in "${field}" (known: ${QUALIFIERS.filter((x) => x !== 'state').join(', ')})`,
      );
    }
    // A quoted blank value would match everything (or nothing): say so instead.
    if (value.trim() === '' && !(name === 'title' && value !== '')) {
      throw new InvalidQueryError(`empty value for qualifier "${rawName}"`);
    }
    switch (name) {
      case 'status':
      case 'state': {
        const s = value.trim().toLowerCase();
        if (s !== 'open' && s !== 'closed') {
          throw new InvalidQueryError(`unknown status "${value}": use status:open or status:closed`);
        }
        if (!q.status.includes(s)) q.status.push(s);
        break;
      }
      case 'author':
        q.authors.push(value);
        break;
      case 'participant':
        q.participants.push(value);
        break;
      case 'actor':
        q.actors.push(value);
        break;
      case 'label':
        q.labels.push(value);
        break;
      case 'title':
        q.titles.push(value);
        break;
      case 'no':
        if (value.toLowerCase() !== 'label') {
          throw new InvalidQueryError(`unknown "no" filter "${value}": the only one is no:label`);
        }
        q.noLabel = true;
        break;
      case 'sort': {
        if (sorted) throw new InvalidQueryError('the query has more than one sort: qualifier');
        const s = SORTS[value.toLowerCase()];
        if (!s) {
          throw new InvalidQueryError(`unknown sort "${value}": use id, creation or edit, optionally ending in -asc or -desc`);
        }
        q.sort = { ...s };
        sorted = true;
        break;
      }
    }
  }
  return q;
}

/** The same query with any status: what the Open/Closed tab counts use. */
export function withoutStatus(q: Query): Query {
  return { ...q, status: [] };
}

/** The same query restricted to one status (the target of an Open/Closed tab). */
export function withStatus(q: Query, status: Status): Query {
  return { ...q, status: [status] };
}

/**
 * Writes a query back in the language, so that parseQuery(formatQuery(q))
 * equals q. The default sort is left out.
 */
export function formatQuery(q: Query): string {
  const out: string[] = [];
  for (const s of q.status) out.push(`status:${s}`);
  for (const v of q.authors) out.push(`author:${quoteIfNeeded(v)}`);
  for (const v of q.participants) out.push(`participant:${quoteIfNeeded(v)}`);
  for (const v of q.actors) out.push(`actor:${quoteIfNeeded(v)}`);
  for (const v of q.labels) out.push(`label:${quoteIfNeeded(v)}`);
  for (const v of q.titles) out.push(`title:${quoteIfNeeded(v)}`);
  if (q.noLabel) out.push('no:label');
  if (q.sort.by !== DEFAULT_SORT.by || q.sort.dir !== DEFAULT_SORT.dir) out.push(`sort:${q.sort.by}-${q.sort.dir}`);
  for (const t of q.text) out.push(quoteIfNeeded(t));
  return out.join(' ');
}

function quoteIfNeeded(v: string): string {
  if (v !== '' && !/[\s:"']/.test(v)) return v;
  return v.includes('"') ? `'${v}'` : `"${v}"`;
}

function isSpace(c: string): boolean {
  return /\s/.test(c);
}

function isQuote(c: string): boolean {
  return c === '"' || c === "'";
}

// Splits on separator characters outside quotes, dropping empty chunks;
// quotes stay in the chunks (unquote removes them later), as in git-bug.
function splitOutsideQuotes(input: string, isSeparator: (c: string) => boolean): string[] {
  const out: string[] = [];
  let quote = '';
  let chunk = '';
  for (const c of input) {
    if (quote) {
      if (c === quote) quote = '';
      chunk += c;
    } else if (isQuote(c)) {
      quote = c;
      chunk += c;
    } else if (isSeparator(c)) {
      if (chunk) out.push(chunk);
      chunk = '';
    } else {
      chunk += c;
    }
  }
  if (quote) throw new InvalidQueryError(`unmatched quote (${quote}) in the query`);
  if (chunk) out.push(chunk);
  return out;
}

function unquote(chunk: string): string {
  if (chunk.length >= 2 && isQuote(chunk[0]) && chunk[chunk.length - 1] === chunk[0]) return chunk.slice(1, -1);
  return chunk;
}
