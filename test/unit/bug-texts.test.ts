import { describe, expect, it } from 'vitest';
import { firstHolding, snippetFor } from '../../src/cache/repo-index.js';
import { bugText } from '../../src/gitbug/query-match.js';
import { Random } from '../../src/gen/random.js';
import { bugTextIn, encodeTexts, findInComments, holdsAll } from '../../src/index/bug-texts.js';

/** A bug of these texts, as encodeTexts and bugText take it. */
function bugOf(title: string, messages: string[]) {
  return { title, comments: messages.map((message) => ({ message })) } as Parameters<typeof encodeTexts>[0];
}

// Characters that try the byte search: cases, the two characters that
// lowercase to ASCII from outside it, other UTF-8, spaces and newlines, and
// what the stored counts are made of.
const ALPHABET = ['a', 'b', 'k', 'K', 'i', 'I', '\u212a', '\u0130', 'é', 'É', 'ß', '😀', ' ', '\n', ':', '1', '2'];

function textOf(r: Random, max: number): string {
  let s = '';
  for (let n = r.int(0, max); n > 0; n--) s += r.pick(ALPHABET);
  return s;
}

describe('stored bug texts', () => {
  it('finds what the decoded, lowercased texts hold, with the same first comment and offset', () => {
    const r = new Random(31);
    let found = 0;
    for (let round = 0; round < 3000; round++) {
      const title = textOf(r, 6);
      const messages = Array.from({ length: r.int(0, 4) }, () => textOf(r, 12));
      const body = encodeTexts(bugOf(title, messages));
      const needles = Array.from({ length: r.int(1, 2) }, () => textOf(r, 3).toLowerCase());
      // Terms as a query has them: also ones made of a stored count and a text's start.
      if (r.chance(0.2)) needles.push(`${Buffer.byteLength(messages[0] ?? '')}:`.slice(r.int(0, 1)));
      const expected = firstHolding(messages, needles[0]);
      expect(findInComments(body, needles[0], 160), JSON.stringify({ messages, needle: needles[0] })).toEqual(expected);
      const joined = bugText(bugOf(title, messages));
      expect(holdsAll(body, needles), JSON.stringify({ title, messages, needles })).toBe(needles.every((t) => joined.includes(t)));
      if (expected) found++;
    }
    // Both answers came up often.
    expect(found).toBeGreaterThan(600);
    expect(found).toBeLessThan(2400);
  });

  it('gives the snippet of the decoded texts, reading only a window of a long comment', () => {
    const r = new Random(37);
    const shown = new Set<string>();
    for (let round = 0; round < 1500; round++) {
      // Long comments (up to 1,500 characters) of the same alphabet, so that a window is cut on either side or both.
      const messages = Array.from({ length: r.int(1, 3) }, () => textOf(r, r.chance(0.7) ? 1500 : 20));
      const body = encodeTexts(bugOf('t', messages));
      const needle = textOf(r, 3).toLowerCase().trim() || 'a';
      const fromTexts = snippetFor('', [needle], (term) => firstHolding(messages, term));
      const fromBody = snippetFor('', [needle], (term, around) => findInComments(body, term, around));
      expect(fromBody, JSON.stringify({ messages, needle })).toBe(fromTexts);
      if (fromTexts) shown.add(`${fromTexts.startsWith('…')} ${fromTexts.endsWith('…')}`);
    }
    // Snippets cut on neither side, either side and both came up.
    expect(shown.size).toBe(4);
  });

  it('decodes only the window around the match of a long comment, wide enough for any width of character', () => {
    // Two, three and four bytes a character: three bytes make one UTF-16 unit, the widest per unit.
    for (const wide of ['é', '€', '😀']) {
      const long = wide.repeat(5000) + ' QUOTED ' + wide.repeat(5000);
      const found = findInComments(encodeTexts(bugOf('t', ['x', long])), 'quoted', 160)!;
      expect(found.text.length).toBeLessThan(1500);
      expect(found.text.slice(found.at, found.at + 6)).toBe('QUOTED');
      expect(found.at).toBeGreaterThanOrEqual(160);
      expect(found.text.length - found.at).toBeGreaterThanOrEqual(160);
      expect(snippetFor('', ['quoted'], (term, around) => findInComments(encodeTexts(bugOf('t', [long])), term, around))).toBe(
        snippetFor('', ['quoted'], (term) => firstHolding([long], term)),
      );
    }
  });

  it('finds a match right after any number of missed candidates of the rare letter it searches for', () => {
    // The search jumps between occurrences of the needle's rarest letter ('q'), then reads byte by byte after many misses.
    for (let misses = 0; misses < 40; misses++) {
      const comment = 'qX'.repeat(misses) + 'Q' + 'qA';
      expect(findInComments(encodeTexts(bugOf('t', [comment])), 'qa', 160)).toEqual({ text: comment, at: 2 * misses + 1 });
      expect(holdsAll(encodeTexts(bugOf('t', [comment.replace('qA', 'q')])), ['qa'])).toBe(false);
    }
  });

  it('never matches across two texts or in the counts between them', () => {
    const body = encodeTexts(bugOf('ab', ['cd', 'ef12', 'x']));
    expect(holdsAll(body, ['bc'])).toBe(false);
    expect(holdsAll(body, ['2:c'])).toBe(false);
    expect(holdsAll(body, ['ef12'])).toBe(true);
    expect(findInComments(body, '12', 160)).toEqual({ text: 'ef12', at: 2 });
    expect(findInComments(body, 'ab', 160)).toBeUndefined();
    // bugText joins the texts with a newline: a term with one spans them there too.
    expect(holdsAll(body, ['ab\ncd'])).toBe(true);
    expect(bugTextIn(body)).toBe('ab\ncd\nef12\nx');
  });

  it('reads a damaged body up to where it stops making sense', () => {
    const damaged = Buffer.from('1:t5:first-x:second');
    expect(findInComments(damaged, 'first', 160)).toEqual({ text: 'first', at: 0 });
    expect(findInComments(damaged, 'second', 160)).toBeUndefined();
    expect(bugTextIn(Buffer.from('1:t99:cut short'))).toBe('t\ncut short');
    expect(holdsAll(Buffer.from('1:t 3:abc'), ['abc'])).toBe(false);
  });

  it('gives offsets in characters where a comment has wide characters before the term', () => {
    const body = encodeTexts(bugOf('t', ['😀é QUOTED here']));
    expect(findInComments(body, 'quoted', 160)).toEqual({ text: '😀é QUOTED here', at: 4 });
    // A Kelvin sign lowercases to k: the search then reads the decoded texts.
    expect(findInComments(encodeTexts(bugOf('t', ['x \u212aey'])), 'key', 160)).toEqual({ text: 'x \u212aey', at: 2 });
  });
});
