// A bug's title and comment texts as the index stores them (list snippets,
// terms that span words, the words a row held): each text's UTF-8 bytes
// after their count, so a reader finds any text's bytes without decoding
// the others, and no character inside a text can be taken for a boundary.

import { firstHolding } from '../cache/repo-index.js';
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
 * A text's bytes with their ASCII letters lowercased, as a string whose
 * indexes are byte offsets. Why: an ASCII term matches the lowercased text
 * exactly where it matches these bytes (in a foldable body), and folding
 * them is a copy, where decoding and lowercasing each comment was most of a
 * snippet's cost. latin1 maps a byte to a character and lowercases within
 * latin1: bytes of 0x80 and up stay 0x80 and up, so they never match.
 */
function folded(body: Buffer, start: number, end: number): string {
  return body.toString('latin1', start, end).toLowerCase();
}

/**
 * The first comment holding `needle` (lowercased), case-insensitively as
 * toLowerCase has it: the comment's message and the match's offset in it.
 */
export function findInComments(body: Buffer, needle: string): { text: string; at: number } | undefined {
  if (!ASCII.test(needle) || !foldable(body)) return firstHolding(textsIn(body, 1), needle);
  const spans = spansIn(body);
  // A comment at a time: the term mostly shows in one of the first.
  for (let i = 2; i < spans.length; i += 2) {
    const start = spans[i];
    const end = spans[i + 1];
    const at = folded(body, start, end).indexOf(needle);
    if (at !== -1) return { text: body.toString('utf8', start, end), at: body.toString('utf8', start, start + at).length };
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
  const texts: string[] = [];
  for (let i = 0; i < spans.length; i += 2) texts.push(folded(body, spans[i], spans[i + 1]));
  return needles.every((t) => texts.some((text) => text.includes(t)));
}
