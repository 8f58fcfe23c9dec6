// A bug's title and comment texts as the index stores them (list snippets,
// terms that span words, the words a row held): each text's UTF-8 bytes
// after their count, so a reader finds any text's bytes without decoding
// the others, and no character inside a text can be taken for a boundary.

import { firstHolding, type Found } from '../cache/repo-index.js';
import { bugText } from '../gitbug/query-match.js';
import type { Bug } from '../gitbug/types.js';

const COLON = 0x3a;
const ZERO = 0x30;

export function encodeTexts(b: Pick<Bug, 'title' | 'comments'>): Buffer {
  const parts: string[] = [];
  for (const text of [b.title, ...b.comments.map((c) => c.message)]) parts.push(`${Buffer.byteLength(text)}:`, text);
  return Buffer.from(parts.join(''));
}

/** The byte ranges of the texts, the title first: [start, end) pairs, flat. */
function spansIn(body: Buffer): number[] {
  const spans: number[] = [];
  // The counts read a digit at a time: a toString and an indexOf call for
  // each text cost more than the search itself.
  for (let at = 0; at < body.length;) {
    let count = 0;
    for (; body[at] !== COLON; at++) {
      const digit = body[at] - ZERO;
      // Not what encodeTexts wrote (a damaged file): the texts end here.
      if (!(digit >= 0 && digit <= 9)) return spans;
      count = count * 10 + digit;
    }
    spans.push(at + 1, Math.min(at + 1 + count, body.length));
    at += 1 + count;
  }
  return spans;
}

/** The texts from text `first` on (0: the title, then every comment's message), decoded as they are asked for. */
function* textsIn(body: Buffer, first = 0): Generator<string> {
  const spans = spansIn(body);
  for (let i = first * 2; i < spans.length; i += 2) yield body.toString('utf8', spans[i], spans[i + 1]);
}

/** What free-text terms are looked for in (bugText), from the stored texts. */
export function bugTextIn(body: Buffer): string {
  const [title = '', ...messages] = textsIn(body);
  return bugText({ title, comments: messages.map((message) => ({ message }) as Bug['comments'][number]) });
}

// The only characters outside ASCII that toLowerCase turns into ASCII letters
// (checked over every code point): the Kelvin sign and the dotted capital I.
const TO_ASCII = [Buffer.from('\u212a'), Buffer.from('\u0130')];
const ASCII = /^\p{ASCII}*$/u;

/**
 * Whether an ASCII term can be looked for in the stored bytes (folded): not
 * when a character here lowercases to ASCII from outside it.
 */
function foldable(body: Buffer): boolean {
  return !TO_ASCII.some((b) => body.includes(b));
}

/**
 * The first offset in buf[from, to) of `needle` (lowercase ASCII bytes),
 * with the bytes' ASCII letters lowercased: an ASCII term matches the
 * lowercased text exactly where it matches so (in a foldable body). Bytes of
 * 0x80 and up never match an ASCII needle. Why bytes: decoding and
 * lowercasing each comment, or a latin1 copy of it, was most of a snippet's
 * cost. The needle's rarest letter is found by memchr (Buffer.indexOf, both
 * cases), ~10x faster than a byte loop; where it is not rare in this text,
 * the byte loop takes over.
 */
function indexOfFolded(buf: Buffer, { bytes: needle, rarest: k }: Needle, from: number, to: number): number {
  if (to - from < needle.length) return -1;
  // The empty term is everywhere.
  if (needle.length === 0) return from;
  const lower = needle[k];
  const upper = upperOf(lower);
  const view = buf.subarray(from, to);
  let a = view.indexOf(lower, k);
  let b = upper === lower ? -1 : view.indexOf(upper, k);
  for (let misses = 0; a !== -1 || b !== -1; misses++) {
    // The earlier of the two: candidates are tried in order.
    const p = b === -1 || (a !== -1 && a < b) ? a : b;
    const start = p - k;
    if (start + needle.length <= view.length && foldedAt(view, start, needle)) return from + start;
    if (misses === ANCHOR_MISSES) return scanFolded(buf, needle, from + start + 1, to);
    if (p === a) a = view.indexOf(lower, a + 1);
    else b = view.indexOf(upper, b + 1);
  }
  return -1;
}

/** Misses of the rarest letter before the byte loop takes over (a memchr call costs ~100 bytes of the loop). */
const ANCHOR_MISSES = 16;

/** ASCII bytes from the most common in English text to the least; any other byte counts as rare. */
const COMMON = Buffer.from(' etaoinsrhldcumfpgwybvkxjqz');

/** A lowercase ASCII term as indexOfFolded looks for it. */
interface Needle {
  bytes: Uint8Array;
  /** the index of its least common byte */
  rarest: number;
}

function needleOf(term: string): Needle {
  const bytes = Buffer.from(term, 'latin1');
  return { bytes, rarest: rarest(bytes) };
}

/** The index of the needle's least common byte. */
function rarest(needle: Uint8Array): number {
  let best = 0;
  let bestRank = -1;
  for (let i = 0; i < needle.length; i++) {
    const rank = COMMON.indexOf(needle[i]);
    const r = rank === -1 ? COMMON.length : rank;
    if (r > bestRank) {
      best = i;
      bestRank = r;
    }
  }
  return best;
}

/** The uppercase of a lowercase ASCII letter; any other byte as it is. */
function upperOf(b: number): number {
  return b >= 0x61 && b <= 0x7a ? b - 0x20 : b;
}

/** Whether `needle` sits at buf[at], the bytes' ASCII letters lowercased. */
function foldedAt(buf: Uint8Array, at: number, needle: Uint8Array): boolean {
  for (let j = 0; j < needle.length; j++) {
    const b = buf[at + j];
    if ((b >= 0x41 && b <= 0x5a ? b + 0x20 : b) !== needle[j]) return false;
  }
  return true;
}

/** indexOfFolded by a byte loop. */
function scanFolded(buf: Buffer, needle: Uint8Array, from: number, to: number): number {
  const first = needle[0];
  const firstUpper = upperOf(first);
  const last = to - needle.length;
  for (let i = from; i <= last; i++) {
    const c = buf[i];
    if ((c === first || c === firstUpper) && foldedAt(buf, i, needle)) return i;
  }
  return -1;
}

/** A UTF-8 byte that continues a character (a window must not start or end before one). */
const isContinuation = (b: number) => (b & 0xc0) === 0x80;

/**
 * The first comment holding `needle` (lowercased), case-insensitively as
 * toLowerCase has it, and where in it: only a window of the comment that
 * holds `around` characters either side of the match is decoded.
 */
export function findInComments(body: Buffer, needle: string, around: number): Found | undefined {
  // The empty term is at the start of the first comment, whole: the window's
  // bound below counts on a term's length to show the "…" after it.
  if (needle === '' || !ASCII.test(needle) || !foldable(body)) return firstHolding(textsIn(body, 1), needle);
  const folded = needleOf(needle);
  const spans = spansIn(body);
  // A comment at a time: the term mostly shows in one of the first.
  for (let i = 2; i < spans.length; i += 2) {
    const start = spans[i];
    const end = spans[i + 1];
    const at = indexOfFolded(body, folded, start, end);
    if (at === -1) continue;
    // At most 3 bytes make a UTF-16 unit: 3 * around bytes hold around units
    // (the ends moved to character boundaries).
    let from = Math.max(start, at - 3 * around);
    while (from < at && isContinuation(body[from])) from++;
    let to = Math.min(end, at + needle.length + 3 * around);
    while (to < end && isContinuation(body[to])) to++;
    return { text: body.toString('utf8', from, to), at: body.toString('utf8', from, at).length };
  }
  return undefined;
}

/** Whether every needle (lowercased) occurs in the texts as bugText joins them. */
export function holdsAll(body: Buffer, needles: readonly string[]): boolean {
  // A needle with a newline may span two texts in bugText's joined form: only that form answers it.
  if (!needles.every((t) => ASCII.test(t) && !t.includes('\n')) || !foldable(body)) {
    const text = bugTextIn(body);
    return needles.every((t) => text.includes(t));
  }
  const spans = spansIn(body);
  return needles.every((t) => {
    const folded = needleOf(t);
    for (let i = 0; i < spans.length; i += 2) if (indexOfFolded(body, folded, spans[i], spans[i + 1]) !== -1) return true;
    return false;
  });
}
