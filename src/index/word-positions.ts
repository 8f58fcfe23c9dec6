// Where each word stands in each row's text (the word_positions table), for
// a term that spans words. The word index's bitmaps give the rows holding
// every piece of such a term; for a phrase of common words ("of the") that
// is most rows, and reading each candidate's texts to check it was nearly
// all of such a query (~100 ms on 10k bugs). Positions answer a plain
// phrase exactly from the postings of its words alone: "of the" occurs in a
// text where a word ending with "of" stands at some position p and a word
// starting with "the" at p + 1, with exactly one space (U+0020) and nothing
// else before it. Positions count the words of bugText, where texts are
// joined by a newline, so no phrase crosses from one text into the next.
//
// Stored per word id and block of 256 rows (as the bitmaps): for each row
// of the block holding the word, in row order, its offset in the block (one
// byte), the byte length of its occurrences (a varint: a row not asked
// about is skipped unread), then each occurrence as a varint of
// (position - previous position) * 2 + (one space before ? 1 : 0).

import type { IndexDb } from './index-file.js';
import { BLOCK, forEachWord, type Place, type RowSet } from './word-index.js';

/** A term the positions answer: words separated by one space, none before or after. */
const PLAIN_PHRASE = /^\S+(?: \S+)+$/;
/**
 * Pending (word, row) entries a writer keeps before writing them: bounds its
 * memory (~10 MB), and a first write flushes every ~5 blocks' worth, so a
 * stored block is seldom written twice.
 */
const MAX_PENDING = 1 << 18;

/** A stored block's key: blocks of 256 rows number fewer than 2^24 (rows are 32-bit). */
const keyOf = (id: number, block: number) => id * 2 ** 24 + block;

export function isPlainPhrase(term: string): boolean {
  return PLAIN_PHRASE.test(term);
}

/**
 * A text's words (bugText: lowercased), each with its occurrences in order:
 * position * 2 + (exactly one space before it ? 1 : 0).
 */
export function wordPositions(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  let position = 0;
  forEachWord(text, (word, oneSpace) => {
    const value = position++ * 2 + (oneSpace ? 1 : 0);
    const list = out.get(word);
    if (list) list.push(value);
    else out.set(word, [value]);
  });
  return out;
}

/** Bytes of a varint. */
function varintBytes(value: number): number {
  let n = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) n++;
  return n;
}

function writeVarint(out: Uint8Array, at: number, value: number): number {
  let v = value;
  let i = at;
  while (v >= 0x80) {
    out[i++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[i++] = v;
  return i;
}

/**
 * Row entries are written into shared chunks: a Uint8Array of its own for
 * each of a first write's ~2M (word, row) entries was most of its garbage.
 */
class Arena {
  private chunk = new Uint8Array(0);
  private at = 0;

  take(size: number): Uint8Array {
    if (this.at + size > this.chunk.length) {
      this.chunk = new Uint8Array(Math.max(size, 1 << 16));
      this.at = 0;
    }
    const out = this.chunk.subarray(this.at, this.at + size);
    this.at += size;
    return out;
  }
}

/** A row's entry for one word, as stored after its offset byte: the length, then the occurrences. */
function encodeOccurrences(values: readonly number[], arena: Arena): Uint8Array {
  let length = 0;
  let previous = 0;
  for (const value of values) {
    const position = Math.floor(value / 2);
    length += varintBytes((position - previous) * 2 + (value % 2));
    previous = position;
  }
  const out = arena.take(varintBytes(length) + length);
  let at = writeVarint(out, 0, length);
  previous = 0;
  for (const value of values) {
    const position = Math.floor(value / 2);
    at = writeVarint(out, at, (position - previous) * 2 + (value % 2));
    previous = position;
  }
  return out;
}

/** Reads a stored block entry by entry: each row's offset, then its occurrences. */
class Entries {
  private at = 0;
  /** the current entry's row offset (BLOCK once past the last) */
  offset = -1;
  /** where the current entry's offset byte is, and where the entry ends */
  entryStart = 0;
  private end = 0;

  constructor(private readonly data: Uint8Array) {}

  /** Moves to the next entry; false past the last (or at bytes that are not one). */
  next(): boolean {
    this.at = this.end;
    if (this.at >= this.data.length) {
      this.offset = BLOCK;
      return false;
    }
    this.entryStart = this.at;
    this.offset = this.data[this.at++];
    const length = this.varint();
    this.end = Math.min(this.at + length, this.data.length);
    return true;
  }

  /** Where the current entry ends. */
  get entryEnd(): number {
    return this.end;
  }

  /**
   * Marks the current entry's occurrences (only those after exactly one
   * space when `spaced`), decoded as they are read: each is stored as
   * (gap to the previous position) * 2 + (one space before ? 1 : 0).
   */
  markOccurrences(marks: Marks, row: number, spaced: boolean): void {
    let position = 0;
    while (this.at < this.end) {
      const v = this.varint();
      position += half(v);
      if (!spaced || (v & 1) === 1) marks.mark(position, row);
    }
  }

  /** Whether an occurrence of the current entry, after exactly one space, ends the phrase the marks hold the rest of. */
  endsPhrase(marks: readonly Marks[], row: number): boolean {
    let position = 0;
    while (this.at < this.end) {
      const v = this.varint();
      position += half(v);
      if ((v & 1) === 0) continue;
      let ok = true;
      for (let i = 0; ok && i < marks.length; i++) ok = marks[i].has(position - marks.length + i, row);
      if (ok) return true;
    }
    return false;
  }

  private varint(): number {
    // Most are one or two bytes: integer steps up to 28 bits, then arithmetic.
    const data = this.data;
    let b = data[this.at++];
    let v = b & 0x7f;
    for (let shift = 7; b & 0x80 && this.at < data.length; shift += 7) {
      b = data[this.at++];
      v = shift < 28 ? v | ((b & 0x7f) << shift) : v + (b & 0x7f) * 2 ** shift;
    }
    return v;
  }
}

/** v / 2 rounded down: an integer step while v fits (a damaged block's can exceed 31 bits). */
function half(v: number): number {
  return v <= 0x7fffffff ? v >>> 1 : Math.floor(v / 2);
}

/**
 * Writes word_positions inside the caller's transaction: each changed row's
 * occurrences of every word it held or holds; the stored blocks change when
 * flush() runs (the caller runs it before committing).
 */
export class WordPositionWriter {
  /**
   * word -> the rows changed, in order, and each one's entry
   * (encodeOccurrences) or null: the row no longer holds the word. Flat
   * lists, not a map per word: a first write adds ~2M of them.
   */
  private pending = new Map<string, { rows: number[]; entries: (Uint8Array | null)[] }>();
  private pendingEntries = 0;
  private arena = new Arena();
  private readonly read;
  private readonly put;
  private readonly drop;

  constructor(
    db: IndexDb,
    /** the word's id (WordIndexWriter.idOf) */
    private readonly idOf: (word: string) => number,
    private readonly maxPending = MAX_PENDING,
  ) {
    this.read = positionsReader(db);
    this.put = db.prepare('INSERT OR REPLACE INTO word_positions (key, data) VALUES (?, ?)');
    this.drop = db.prepare('DELETE FROM word_positions WHERE key = ?');
  }

  /** Row n held the words `before` (none for a new row) and now has `after` (wordPositions; none for a row gone). */
  change(n: number, before: ReadonlySet<string>, after: ReadonlyMap<string, number[]> | undefined): void {
    for (const w of before) if (!after?.has(w)) this.mark(w, n, null);
    if (after) for (const [w, values] of after) this.mark(w, n, encodeOccurrences(values, this.arena));
    if (this.pendingEntries >= this.maxPending) this.flush();
  }

  flush(): void {
    for (const [word, { rows, entries }] of this.pending) {
      const id = this.idOf(word);
      // By row, the later change of a row last (a stable sort).
      const order = rows.map((_, i) => i).sort((a, b) => rows[a] - rows[b]);
      for (let i = 0; i < order.length;) {
        const block = Math.floor(rows[order[i]] / BLOCK);
        const changes = new Map<number, Uint8Array | null>();
        for (; i < order.length && Math.floor(rows[order[i]] / BLOCK) === block; i++)
          changes.set(rows[order[i]] % BLOCK, entries[order[i]]);
        this.writeBlock(id, block, changes);
      }
    }
    this.pending.clear();
    this.pendingEntries = 0;
    this.arena = new Arena();
  }

  /**
   * Writes one stored block with `changes` (row offset -> entry or null, in
   * row order) over what it held: the entries kept are copied as the runs
   * of bytes they are (a push changes a row or two of a block).
   */
  private writeBlock(id: number, block: number, changes: Map<number, Uint8Array | null>): void {
    const stored = this.read(id, block);
    const pieces: Uint8Array[] = [];
    let size = 0;
    const add = (bytes: Uint8Array) => {
      pieces.push(bytes);
      size += bytes.length;
    };
    const e = stored && new Entries(stored);
    let has = e?.next() ?? false;
    /** Keeps the stored entries of rows before `offset`. */
    const keepBefore = (offset: number) => {
      if (!e || !stored) return;
      let from = -1;
      let to = -1;
      for (; has && e.offset < offset; has = e.next()) {
        if (from < 0) from = e.entryStart;
        to = e.entryEnd;
      }
      if (from >= 0) add(stored.subarray(from, to));
    };
    for (const [offset, entry] of changes) {
      keepBefore(offset);
      if (has && e?.offset === offset) has = e.next();
      if (entry) {
        add(Uint8Array.of(offset));
        add(entry);
      }
    }
    keepBefore(BLOCK);
    if (size === 0) {
      if (stored) this.drop.run(keyOf(id, block));
      return;
    }
    const data = Buffer.allocUnsafe(size);
    let at = 0;
    for (const piece of pieces) {
      data.set(piece, at);
      at += piece.length;
    }
    this.put.run(keyOf(id, block), data);
  }

  private mark(word: string, n: number, entry: Uint8Array | null): void {
    let changed = this.pending.get(word);
    if (!changed) this.pending.set(word, (changed = { rows: [], entries: [] }));
    changed.rows.push(n);
    changed.entries.push(entry);
    this.pendingEntries++;
  }
}

/** Reads a stored block of a word's positions. */
export function positionsReader(db: IndexDb): (id: number, block: number) => Buffer | undefined {
  const read = db.prepare('SELECT data FROM word_positions WHERE key = ?').pluck();
  return (id, block) => read.get(keyOf(id, block)) as Buffer | undefined;
}

/** The words of one plain phrase, as word ids (WordIndexReader.wordsWith). */
export interface PhraseWords {
  /** the words ending with its first piece */
  first: readonly number[];
  /** the one word each middle piece is (a piece no word is: the phrase is nowhere) */
  middle: readonly (number | undefined)[];
  /** the words starting with its last piece */
  last: readonly number[];
}

/** A plain phrase's words, found by `wordsWith` (WordIndexReader's). */
export function phraseWords(phrase: string, wordsWith: (piece: string, place: Place) => number[]): PhraseWords {
  const pieces = phrase.split(' ');
  return {
    first: wordsWith(pieces[0], 'end'),
    middle: pieces.slice(1, -1).map((p) => wordsWith(p, 'whole').at(0)),
    last: wordsWith(pieces[pieces.length - 1], 'start'),
  };
}

/** How many stored blocks rowsWithPhrase would read for these candidates (at most). */
export function storedBlocks(phrase: PhraseWords, candidates: RowSet): number {
  return (phrase.first.length + phrase.middle.length + phrase.last.length) * candidates.size;
}

/**
 * Positions past this are not marked (a bug of 16M words is ~100 MB of
 * text): a damaged block cannot make a query allocate without bound.
 */
const MAX_POSITION = 1 << 24;

/**
 * Marks positions for one row at a time: a position is marked when its
 * stamp is the current row's, so moving to the next row clears nothing.
 */
class Marks {
  private stamps = new Int32Array(1024);

  mark(position: number, row: number): void {
    if (position < 0 || position >= MAX_POSITION) return;
    if (position >= this.stamps.length) {
      const grown = new Int32Array(Math.max(position + 1, this.stamps.length * 2));
      grown.set(this.stamps);
      this.stamps = grown;
    }
    this.stamps[position] = row;
  }

  has(position: number, row: number): boolean {
    return position >= 0 && position < this.stamps.length && this.stamps[position] === row;
  }
}

/**
 * The rows of `candidates` whose text holds the phrase, from the positions
 * of its words alone. `positionsOf(id, block)` reads a stored block.
 */
export function rowsWithPhrase(
  phrase: PhraseWords,
  candidates: RowSet,
  positionsOf: (id: number, block: number) => Uint8Array | undefined,
): RowSet {
  const found: RowSet = new Map();
  if (phrase.middle.some((id) => id === undefined)) return found;
  // Piece i of the phrase stands at p + i; the last is looked up from.
  const pieces = [phrase.first, ...phrase.middle.map((id) => [id!]), phrase.last];
  const lastPiece = pieces.length - 1;
  const marks = pieces.slice(0, lastPiece).map(() => new Marks());
  // Per piece, its words' blocks bucketed by the row of their current entry:
  // rows are taken in order and each entry is visited once. A bucket is
  // emptied by its count (setting an array's length is a runtime call).
  const buckets = pieces.map(() => Array.from({ length: BLOCK }, (): Entries[] => []));
  const counts = pieces.map(() => new Int32Array(BLOCK));
  const add = (i: number, e: Entries) => {
    buckets[i][e.offset][counts[i][e.offset]++] = e;
  };
  let row = 0;
  for (const [block, bits] of candidates) {
    const blockRow = row;
    row += BLOCK;
    // Every piece's blocks, or none: a block without a piece's words holds no phrase.
    const read: Entries[][] = [];
    for (const ids of pieces) {
      const entries: Entries[] = [];
      for (const id of ids) {
        const stored = positionsOf(id, block);
        const e = stored && new Entries(stored);
        if (e?.next()) entries.push(e);
      }
      if (entries.length === 0) break;
      read.push(entries);
    }
    if (read.length < pieces.length) continue;
    read.forEach((entries, i) => entries.forEach((e) => add(i, e)));
    const hits = new Uint8Array(BLOCK / 8);
    let any = false;
    for (let offset = 0; offset < BLOCK; offset++) {
      const candidate = (bits[offset >> 3] & (1 << (offset & 7))) !== 0;
      const stamp = blockRow + offset + 1;
      let hit = false;
      for (let i = 0; i < pieces.length; i++) {
        const here = buckets[i][offset];
        const n = counts[i][offset];
        counts[i][offset] = 0;
        for (let k = 0; k < n; k++) {
          const e = here[k];
          // The first piece anywhere; the others only after exactly one space.
          if (candidate && i < lastPiece) e.markOccurrences(marks[i], stamp, i > 0);
          else if (candidate && !hit) hit = e.endsPhrase(marks, stamp);
          // Entries out of row order (a damaged file) are left out.
          if (e.next() && e.offset > offset) add(i, e);
        }
      }
      if (hit) {
        hits[offset >> 3] |= 1 << (offset & 7);
        any = true;
      }
    }
    if (any) found.set(block, hits);
  }
  return found;
}
