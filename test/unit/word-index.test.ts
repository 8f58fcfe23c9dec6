import { describe, expect, it } from 'vitest';
import { openIndexFile } from '../../src/index/index-file.js';
import {
  countRows,
  forEachRow,
  isSpaceCode,
  piecesOf,
  spansWords,
  WordIndexReader,
  WordIndexWriter,
  wordsOf,
  type Place,
  type RowSet,
} from '../../src/index/word-index.js';
import { freshIndexFile } from '../helpers/index-file.js';

function rowsOf(set: RowSet): number[] {
  const out: number[] = [];
  forEachRow(set, (n) => out.push(n));
  return out.sort((a, b) => a - b);
}

/** A piece at a place in a word, as a reference. */
const AT: Record<Place, (word: string, piece: string) => boolean> = {
  within: (w, p) => w.includes(p),
  start: (w, p) => w.startsWith(p),
  end: (w, p) => w.endsWith(p),
  whole: (w, p) => w === p,
};

describe('word index', () => {
  const index = freshIndexFile('word-index-');

  /** Writes rows' texts (undefined: the row goes), in one transaction, then reads afresh. */
  function write(texts: Map<number, string>, changes: [number, string | undefined][]): WordIndexReader {
    const w = new WordIndexWriter(index.db);
    index.db.transaction(() => {
      for (const [n, text] of changes) {
        w.change(n, wordsOf(texts.get(n) ?? ''), wordsOf(text ?? ''));
        if (text === undefined) texts.delete(n);
        else texts.set(n, text);
      }
      w.flush();
    })();
    return new WordIndexReader(index.db);
  }

  it('takes for a space exactly what \\s matches, in every UTF-16 code unit', () => {
    const differ: number[] = [];
    for (let c = 0; c <= 0xffff; c++) if (isSpaceCode(c) !== /\s/.test(String.fromCharCode(c))) differ.push(c);
    expect(differ).toEqual([]);
  });

  it('gives new words ids after those another connection wrote since the writer was made', () => {
    const other = openIndexFile(index.file);
    try {
      const late = new WordIndexWriter(index.db);
      const early = new WordIndexWriter(other);
      other.transaction(() => {
        early.change(1, new Set(), new Set(['alpha']));
        early.flush();
      })();
      index.db.transaction(() => {
        late.change(2, new Set(), new Set(['beta']));
        late.flush();
      })();
      const r = new WordIndexReader(index.db);
      expect(rowsOf(r.rowsHolding('alpha'))).toEqual([1]);
      expect(rowsOf(r.rowsHolding('beta'))).toEqual([2]);
      expect(new Set([...r.wordsWith('alpha', 'whole'), ...r.wordsWith('beta', 'whole')]).size).toBe(2);
    } finally {
      other.close();
    }
  });

  it('splits words on any space and tells terms that span them', () => {
    expect([...wordsOf('  a\tb\nc\u00a0d  a ')]).toEqual(['a', 'b', 'c', 'd']);
    expect(spansWords('memory leak')).toBe(true);
    expect(spansWords('q"uote')).toBe(false);
    // A space before a piece starts a word, one after it ends a word.
    expect(piecesOf(' memory  leak')).toEqual([
      { piece: 'memory', place: 'whole' },
      { piece: 'leak', place: 'start' },
    ]);
    expect(piecesOf('of the\n')).toEqual([
      { piece: 'of', place: 'end' },
      { piece: 'the', place: 'whole' },
    ]);
    expect(piecesOf('deadlock')).toEqual([{ piece: 'deadlock', place: 'within' }]);
    expect(piecesOf('')).toEqual([]);
  });

  it('answers substrings of words, in rows across blocks, and forgets words no row holds', () => {
    const texts = new Map<number, string>();
    let r = write(texts, [
      [1, 'deadlock in the parser'],
      [255, 'a deadlocked thread'],
      [256, 'no lock here'],
      [70_000, 'ünïcode <b>deadlock</b>'],
    ]);
    expect(rowsOf(r.rowsHolding('deadlock'))).toEqual([1, 255, 70_000]);
    expect(rowsOf(r.rowsHolding('lock'))).toEqual([1, 255, 256, 70_000]);
    expect(countRows(r.rowsHolding('lock'))).toBe(4);
    expect(rowsOf(r.rowsHolding('ï'))).toEqual([70_000]);
    expect(rowsOf(r.rowsHolding('lockl'))).toEqual([]);
    expect(rowsOf(r.rowsHolding('k</'))).toEqual([70_000]);
    expect(rowsOf(r.rowsHolding('her'))).toEqual([256]);
    // A piece's place in a word: the first and the last word of the vocabulary too.
    expect(rowsOf(r.rowsHolding('lock', 'start'))).toEqual([256]);
    expect(rowsOf(r.rowsHolding('lock', 'end'))).toEqual([1, 256]);
    expect(rowsOf(r.rowsHolding('deadlock', 'whole'))).toEqual([1]);
    expect(rowsOf(r.rowsHolding('a', 'whole'))).toEqual([255]);
    expect(rowsOf(r.rowsHolding('dead', 'end'))).toEqual([]);
    expect(rowsOf(r.rowsHolding('de', 'end'))).toEqual([70_000]);
    expect(rowsOf(r.rowsHolding('ü', 'start'))).toEqual([70_000]);
    expect(rowsOf(r.rowsHolding('k</b>', 'end'))).toEqual([70_000]);
    // Row 255 changes, row 1 goes: 'deadlocked' and 'parser' leave the vocabulary.
    r = write(texts, [
      [255, 'a thread'],
      [1, undefined],
    ]);
    expect(rowsOf(r.rowsHolding('deadlock'))).toEqual([70_000]);
    expect(rowsOf(r.rowsHolding('parse'))).toEqual([]);
    const words = index.db.prepare('SELECT word FROM words ORDER BY word').pluck().all();
    expect(words).toEqual([...new Set([...texts.values()].flatMap((t) => [...wordsOf(t)]))].sort());
  });

  it("applies a row's changes within one write in order", () => {
    const texts = new Map<number, string>([[7, '']]);
    write(texts, [[7, 'old words']]);
    const r = write(texts, [
      [7, undefined],
      [7, 'new words'],
    ]);
    expect(rowsOf(r.rowsHolding('old'))).toEqual([]);
    expect(rowsOf(r.rowsHolding('words'))).toEqual([7]);
    expect(rowsOf(r.rowsHolding('new'))).toEqual([7]);
    // And the other way: written, then gone, in one write.
    const gone = write(texts, [
      [8, 'brief'],
      [8, undefined],
    ]);
    expect(rowsOf(gone.rowsHolding('brief'))).toEqual([]);
  });

  it('agrees with a substring scan of every text over random writes', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
    const vocabulary = ['ab', 'abc', 'bca', 'zé', 'é', 'x', 'lock', 'deadlock', 'q"u', 'c<b>'];
    const texts = new Map<number, string>();
    for (let round = 0; round < 40; round++) {
      const changes: [number, string | undefined][] = [];
      for (let k = 0; k < 1 + Math.floor(next() * 30); k++) {
        const n = Math.floor(next() * 300);
        const words = Array.from({ length: Math.floor(next() * 5) }, () => pick(vocabulary));
        changes.push([n, next() < 0.2 ? undefined : words.join(pick([' ', '\n', '  ']))]);
      }
      const r = write(texts, changes);
      for (const term of ['a', 'b', 'ab', 'bc', 'é', 'zé', 'ock', 'deadlock', 'x', '"', 'c<', 'q"u', 'nothing']) {
        expect(rowsOf(r.rowsHolding(term))).toEqual(rowsOf(r.rowsHolding(term, 'within')));
        for (const place of ['within', 'start', 'end', 'whole'] as const) {
          const holding = [...texts].filter(([, t]) => [...wordsOf(t)].some((w) => AT[place](w, term))).map(([n]) => n);
          expect(rowsOf(r.rowsHolding(term, place)), `round ${round}, ${term} at ${place}`).toEqual(holding.sort((a, b) => a - b));
        }
      }
    }
    expect(texts.size).toBeGreaterThan(50);
  });
});
