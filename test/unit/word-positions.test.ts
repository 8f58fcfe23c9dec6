import { describe, expect, it } from 'vitest';
import { Random } from '../../src/gen/random.js';
import { bothOf, forEachRow, piecesOf, WordIndexReader, WordIndexWriter, wordsOf, type RowSet } from '../../src/index/word-index.js';
import {
  isPlainPhrase,
  phraseWords,
  positionsReader,
  rowsWithPhrase,
  wordPositions,
  WordPositionWriter,
} from '../../src/index/word-positions.js';
import { freshIndexFile } from '../helpers/index-file.js';

function rowsOf(set: RowSet): number[] {
  const out: number[] = [];
  forEachRow(set, (n) => out.push(n));
  return out.sort((a, b) => a - b);
}

describe('word positions', () => {
  const index = freshIndexFile('word-positions-');

  /** Writes rows' texts (undefined: the row goes) in one transaction, as the index writer does. */
  function write(texts: Map<number, string>, changes: [number, string | undefined][], pendingLimit?: number): void {
    const words = new WordIndexWriter(index.db);
    const positions = new WordPositionWriter(index.db, (w) => words.idOf(w), pendingLimit);
    index.db.transaction(() => {
      for (const [n, text] of changes) {
        const before = wordsOf(texts.get(n) ?? '');
        const after = text === undefined ? undefined : wordPositions(text);
        words.change(n, before, new Set(after?.keys()));
        positions.change(n, before, after);
        if (text === undefined) texts.delete(n);
        else texts.set(n, text);
      }
      words.flush();
      positions.flush();
    })();
  }

  /** The rows holding a plain phrase, as the index answers it: its pieces' rows, then their positions. */
  function rowsWith(phrase: string): number[] {
    const reader = new WordIndexReader(index.db);
    let rows: RowSet | undefined;
    for (const { piece, place } of piecesOf(phrase)) {
      const holding = reader.rowsHolding(piece, place);
      rows = rows === undefined ? holding : bothOf(rows, holding);
    }
    const words = phraseWords(phrase, (piece, place) => reader.wordsWith(piece, place));
    return rowsOf(rowsWithPhrase(words, rows!, positionsReader(index.db)));
  }

  it('tells plain phrases and lists each word at its positions', () => {
    expect(isPlainPhrase('of the')).toBe(true);
    expect(isPlainPhrase('a b c')).toBe(true);
    for (const t of ['of', ' of the', 'of the ', 'of  the', 'of\tthe', 'of\nthe', '']) expect(isPlainPhrase(t), t).toBe(false);
    // position * 2 + (exactly one space before)
    expect(wordPositions('  of the\nof  the of')).toEqual(
      new Map([
        ['of', [0, 4, 9]],
        ['the', [3, 6]],
      ]),
    );
  });

  it('finds phrases only where single spaces join their words, never across texts', () => {
    const texts = new Map<number, string>();
    write(texts, [
      [1, 'most of the time'],
      [2, 'proof theory'],
      [3, 'of  the'],
      [4, 'title of\nthe comment'],
      [255, 'one of the, two'],
      [256, 'out of then'],
      [70_000, 'a b c of the end'],
    ]);
    expect(rowsWith('of the')).toEqual([1, 2, 255, 256, 70_000]);
    expect(rowsWith('f th')).toEqual([1, 2, 255, 256, 70_000]);
    expect(rowsWith('of the,')).toEqual([255]);
    expect(rowsWith('b c of the')).toEqual([70_000]);
    expect(rowsWith('a c')).toEqual([]);
    // A row rewritten and one gone: their old positions go with them.
    write(texts, [
      [1, 'the of'],
      [256, undefined],
      [3, 'of the'],
    ]);
    expect(rowsWith('of the')).toEqual([2, 3, 255, 70_000]);
    expect(rowsWith('the of')).toEqual([1]);
  });

  it('reads a damaged block without failing or allocating for its positions, and a row written over it is found', () => {
    const texts = new Map<number, string>();
    write(texts, [
      [1, 'of the'],
      [2, 'of the'],
    ]);
    // Not entries: row 1 with a huge length, then gaps that put a word ~940M words in
    // (marking it would take a 3.7 GB array), and a varint cut short.
    const gap = [0xff, 0xff, 0xff, 0x7f];
    const garbage = Buffer.from([1, 0xff, 0xff, 0xff, 0xff, 0x7f, 2, 3, ...Array.from({ length: 7 }, () => gap).flat(), 0xff]);
    for (const bytes of [garbage, garbage.subarray(6), Buffer.alloc(0)]) {
      index.db.prepare('UPDATE word_positions SET data = ?').run(bytes);
      const before = process.memoryUsage().arrayBuffers;
      expect(() => rowsWith('of the')).not.toThrow();
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
    }
    write(texts, [[1, 'x of the']]);
    expect(rowsWith('of the')).toContain(1);
  });

  it('answers every plain phrase as a substring search of the texts would, over random rewrites', () => {
    const r = new Random(7);
    const words = ['a', 'ab', 'ba', 'b', 'of', 'the', 'then', 'xof', 'é', 'aé'];
    const separators = [' ', ' ', ' ', ' ', '  ', '\n', '\t', ' \n', '\u00a0'];
    const rowNumbers = [1, 2, 3, 254, 255, 256, 257, 511, 512, 70_000];
    const text = () => {
      let t = r.chance(0.2) ? r.pick(separators) : '';
      for (let i = 0, n = r.int(1, 12); i < n; i++) t += (i > 0 ? r.pick(separators) : '') + r.pick(words);
      return t;
    };
    const pieces = ['a', 'b', 'ab', 'ba', 'of', 'f', 'the', 'th', 'he', 'x', 'é', 'then'];
    const texts = new Map<number, string>();
    for (let round = 0; round < 40; round++) {
      const changes: [number, string | undefined][] = [];
      for (let k = 0, n = r.int(1, 6); k < n; k++) changes.push([r.pick(rowNumbers), r.chance(0.15) ? undefined : text()]);
      // A small pending limit now and then: a write flushed midway answers the same.
      write(texts, changes, round % 3 === 0 ? 3 : undefined);
      for (let q = 0; q < 12; q++) {
        const count = r.int(2, 3);
        const phrase = Array.from({ length: count }, () => r.pick(pieces)).join(' ');
        const expected = [...texts].filter(([, t]) => t.includes(phrase)).map(([n]) => n);
        expect(rowsWith(phrase), `round ${round}: "${phrase}" in ${JSON.stringify([...texts])}`).toEqual(expected.sort((a, b) => a - b));
      }
    }
  });
});
