import { hash } from 'node:crypto';
import { AmbiguousIdError, NotFoundError } from '../errors.js';

export const ID_LENGTH = 64;
/** How many characters of an id people see. */
export const HUMAN_ID_LENGTH = 7;

/** git-bug's id: sha256 of the exact bytes, as lowercase hex. */
export function deriveId(bytes: Uint8Array | string): string {
  // One-shot hash: a reader derives ~10 ids per bug, and createHash's object
  // per call cost three times as much.
  return hash('sha256', bytes, 'hex');
}

export function isId(s: string): boolean {
  return s.length === ID_LENGTH && /^[0-9a-f]+$/.test(s);
}

export function humanId(id: string): string {
  return id.slice(0, HUMAN_ID_LENGTH);
}

// Positions of the secondary id in a combined id: 1, 3, 5, 9, then every fifth
// from 14 on. That keeps 4 primary and 3 secondary characters in a 7-char prefix.
function isSecondarySlot(i: number): boolean {
  return i === 1 || i === 3 || i === 5 || i === 9 || (i >= 10 && i % 5 === 4);
}

const SECONDARY_SLOT = Array.from({ length: ID_LENGTH }, (_, i) => isSecondarySlot(i));

/** git-bug's CombineIds: a comment's id holds its bug's id and its op's id. */
export function combineIds(primary: string, secondary: string): string {
  // Made from char codes in one call: appending 64 characters one at a time
  // left a chain of some 50 cons-strings (~2 KB) behind every id a compiled
  // bug keeps, and joining an array of characters was four times slower.
  const codes = new Array<number>(ID_LENGTH);
  let p = 0;
  let s = 0;
  for (let i = 0; i < ID_LENGTH; i++) codes[i] = SECONDARY_SLOT[i] ? secondary.charCodeAt(s++) : primary.charCodeAt(p++);
  return String.fromCharCode(...codes);
}

/**
 * Finds the one id starting with `prefix` in a sorted list. Several matches are
 * an ambiguity to report with its candidates, never a guess.
 */
export function resolvePrefix(sortedIds: readonly string[], prefix: string, what: string): string {
  const p = prefix.toLowerCase();
  if (p.length === 0 || !/^[0-9a-f]+$/.test(p)) throw new NotFoundError(what, prefix);
  let lo = 0;
  let hi = sortedIds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sortedIds[mid] < p) lo = mid + 1;
    else hi = mid;
  }
  const matches: string[] = [];
  for (let i = lo; i < sortedIds.length && sortedIds[i].startsWith(p); i++) {
    matches.push(sortedIds[i]);
    if (matches.length > 20) break;
  }
  if (matches.length === 0) throw new NotFoundError(what, prefix);
  if (matches.length > 1) throw new AmbiguousIdError(prefix, matches);
  return matches[0];
}
