// A bug's title and comment texts as the index stores them (list snippets,
// terms that span words, the words a row held): each text's UTF-8 bytes
// after their count, so no character inside a text can be taken for a
// boundary, and a search of the bytes tells which text a match is in.

import { firstHolding } from '../cache/repo-index.js';
import { bugText } from '../gitbug/query-match.js';
import type { Bug } from '../gitbug/types.js';

export function encodeTexts(b: Pick<Bug, 'title' | 'comments'>): Buffer {
  const parts: string[] = [];
  for (const text of [b.title, ...b.comments.map((c) => c.message)]) parts.push(`${Buffer.byteLength(text)}:`, text);
  return Buffer.from(parts.join(''));
}

/** The byte ranges of the texts, the title first: [start, end) pairs, flat. */
function spansIn(body: Buffer): number[] {
  const spans: number[] = [];
  for (let at = 0; at < body.length;) {
    const colon = body.indexOf(0x3a, at);
    if (colon === -1) break;
    const end = colon + 1 + Number(body.toString('latin1', at, colon));
    spans.push(colon + 1, end);
    at = end;
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
 * The stored bytes with ASCII letters lowercased, as a string whose indexes
 * are byte offsets; undefined when a term could match here in a way this
 * cannot see (then the texts are decoded and lowercased instead). Why: an
 * ASCII term matches the lowercased text exactly where it matches these
 * bytes, and folding them is a copy, where decoding and lowercasing every
 * comment to look for a term was most of a snippet's cost.
 */
function foldedBytes(body: Buffer): string | undefined {
  if (TO_ASCII.some((b) => body.includes(b))) return undefined;
  // latin1 maps a byte to a character and lowercases within latin1: bytes of
  // 0x80 and up stay 0x80 and up, so they never match an ASCII term.
  return body.toString('latin1').toLowerCase();
}

/**
 * Where `needle` (lowercased) first occurs within one text from text `first`
 * on: the text's place in `spans` and the match's byte offset.
 */
function foldedMatch(folded: string, spans: readonly number[], needle: string, first: number): { span: number; at: number } | undefined {
  let i = first * 2;
  while (i < spans.length) {
    const at = folded.indexOf(needle, spans[i]);
    if (at === -1) return undefined;
    // Past the texts that end before it does, but the one it starts in (one
    // search skips them all, rather than one search each).
    while (i < spans.length && spans[i + 1] < at + needle.length) {
      if (at >= spans[i] && needle.length > 0) break;
      i += 2;
    }
    if (i >= spans.length) return undefined;
    // In text i, or in the count before it (then search again from its start).
    if (at >= spans[i]) {
      if (at + needle.length <= spans[i + 1]) return { span: i, at };
      // Across the text's end: so would any later match in it be.
      i += 2;
    }
  }
  return undefined;
}

/**
 * The first comment holding `needle` (lowercased), case-insensitively as
 * toLowerCase has it: the comment's message and the match's offset in it.
 */
export function findInComments(body: Buffer, needle: string): { text: string; at: number } | undefined {
  const folded = ASCII.test(needle) ? foldedBytes(body) : undefined;
  if (folded === undefined) return firstHolding(textsIn(body, 1), needle);
  const spans = spansIn(body);
  const found = foldedMatch(folded, spans, needle, 1);
  if (!found) return undefined;
  const start = spans[found.span];
  return { text: body.toString('utf8', start, spans[found.span + 1]), at: body.toString('utf8', start, found.at).length };
}

/** Whether every needle (lowercased) occurs in the texts as bugText joins them. */
export function holdsAll(body: Buffer, needles: readonly string[]): boolean {
  // A needle with a newline may span two texts in bugText's joined form: only that form answers it.
  const folded = needles.every((t) => ASCII.test(t) && !t.includes('\n')) ? foldedBytes(body) : undefined;
  if (folded === undefined) {
    const text = bugTextIn(body);
    return needles.every((t) => text.includes(t));
  }
  const spans = spansIn(body);
  return needles.every((t) => foldedMatch(folded, spans, t, 0) !== undefined);
}
