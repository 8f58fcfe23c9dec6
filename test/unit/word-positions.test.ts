import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openIndexFile, type IndexDb } from '../../src/index/index-file.js';
import { bothOf, forEachRow, piecesOf, WordIndexReader, WordIndexWriter, wordsOf, type RowSet } from '../../src/index/word-index.js';
import {
  isPlainPhrase,
  phraseWords,
  positionsReader,
  rowsWithPhrase,
  wordPositions,
  WordPositionWriter,
} from '../../src/index/word-positions.js';

function rowsOf(set: RowSet): number[] {
  const out: number[] = [];
  forEachRow(set, (n) => out.push(n));
  return out.sort((a, b) => a - b);
}

/** A small deterministic generator (the failing seed can be replayed). */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return { next, pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] };
}

describe('word positions', () => {
  let dir: string;
  let db: IndexDb;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'word-positions-'));
    db = openIndexFile(join(dir, 'x.sqlite'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes rows' texts (undefined: the row goes) in one transaction, as the index writer does. */
  function write(texts: Map<number, string>, changes: [number, string | undefined][], pendingLimit?: number): void {
    const words = new WordIndexWriter(db);
    const positions = new WordPositionWriter(db, (w) => words.idOf(w), pendingLimit);
    db.transaction(() => {
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
    const reader = new WordIndexReader(db);
    let rows: RowSet | undefined;
    for (const { piece, place } of piecesOf(phrase)) {
      const holding = reader.rowsHolding(piece, place);
      rows = rows === undefined ? holding : bothOf(rows, holding);
    }
    const words = phraseWords(phrase, (piece, place) => reader.wordsWith(piece, place));
    return rowsOf(rowsWithPhrase(words, rows!, positionsReader(db)));
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

  it('reads a damaged block without failing, and a row written over it is found', () => {
    const texts = new Map<number, string>();
    write(texts, [
      [1, 'of the'],
      [2, 'of the'],
    ]);
    // Not entries: a huge length, a huge gap between positions, a cut-short varint.
    const garbage = Buffer.from([0, 0xff, 0xff, 0xff, 0xff, 0x7f, 2, 3, 0xff, 0xff, 0xff, 0xff, 0x0f, 0xff]);
    for (const bytes of [garbage, garbage.subarray(6), Buffer.alloc(0)]) {
      db.prepare('UPDATE word_positions SET data = ?').run(bytes);
      expect(() => rowsWith('of the')).not.toThrow();
    }
    write(texts, [[1, 'x of the']]);
    expect(rowsWith('of the')).toContain(1);
  });

  it('answers every plain phrase as a substring search of the texts would, over random rewrites', () => {
    const r = random(7);
    const words = ['a', 'ab', 'ba', 'b', 'of', 'the', 'then', 'xof', 'é', 'aé'];
    const separators = [' ', ' ', ' ', ' ', '  ', '\n', '\t', ' \n', '\u00a0'];
    const rowNumbers = [1, 2, 3, 254, 255, 256, 257, 511, 512, 70_000];
    const text = () => {
      let t = r.next() < 0.2 ? r.pick(separators) : '';
      for (let i = 0, n = 1 + Math.floor(r.next() * 12); i < n; i++) t += (i > 0 ? r.pick(separators) : '') + r.pick(words);
      return t;
    };
    const pieces = ['a', 'b', 'ab', 'ba', 'of', 'f', 'the', 'th', 'he', 'x', 'é', 'then'];
    const texts = new Map<number, string>();
    for (let round = 0; round < 40; round++) {
      const changes: [number, string | undefined][] = [];
      for (let k = 0, n = 1 + Math.floor(r.next() * 6); k < n; k++)
        changes.push([r.pick(rowNumbers), r.next() < 0.15 ? undefined : text()]);
      // A small pending limit now and then: a write flushed midway answers the same.
      write(texts, changes, round % 3 === 0 ? 3 : undefined);
      for (let q = 0; q < 12; q++) {
        const count = 2 + Math.floor(r.next() * 2);
        const phrase = Array.from({ length: count }, () => r.pick(pieces)).join(' ');
        const expected = [...texts].filter(([, t]) => t.includes(phrase)).map(([n]) => n);
        expect(rowsWith(phrase), `round ${round}: "${phrase}" in ${JSON.stringify([...texts])}`).toEqual(expected.sort((a, b) => a - b));
      }
    }
  });
});
