// Free text through a word index: the distinct words (runs of non-space
// characters) of every compiled bug's lowercased text (bugText), and per word
// and block of 256 rows (bugs.n) a bitmap of the rows holding it. A term
// without a space can only occur inside one word, so the rows holding it are
// exactly those of the words that contain it: a scan of the vocabulary
// (hundreds to thousands of words, where the texts are millions of
// characters) and a few bitmaps, with no candidate to check. A term with a
// space takes as candidates the rows holding each of its pieces where the
// term's spaces put it (" lock" starts a word: not "deadlock"); the words'
// positions (word-positions.ts) or the texts then check them.

import type { IndexDb } from './index-file.js';

/** What separates words; a term holding one is checked against the texts. */
const SPACE = /\s/;
const SPACES = /\s+/;
/** Rows per bitmap: 32 bytes each. */
export const BLOCK = 256;
/** Bytes a block takes in a word's stored rows: its number, then its bitmap. */
const ENTRY = 4 + BLOCK / 8;
/** Pending bitmap changes a writer keeps before writing them (bounds its memory). */
const MAX_PENDING = 1 << 16;

/** Whether a UTF-16 code unit is whitespace as `\s` has it (every such character is one unit). */
export function isSpaceCode(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * Calls `f` with each word of a text (a run of non-space characters), in
 * order, and whether exactly one space (U+0020) comes before it. A scan of
 * the characters: splitting 45 MB of text with a regular expression cost a
 * first index write over a second.
 */
export function forEachWord(text: string, f: (word: string, oneSpace: boolean) => void): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const gap = i;
    while (i < n && isSpaceCode(text.charCodeAt(i))) i++;
    if (i === n) return;
    const start = i;
    while (i < n && !isSpaceCode(text.charCodeAt(i))) i++;
    f(text.slice(start, i), start - gap === 1 && text.charCodeAt(gap) === 0x20);
  }
}

/** The distinct words of a text as bugText gives it (already lowercased). */
export function wordsOf(text: string): Set<string> {
  const words = new Set<string>();
  forEachWord(text, (word) => words.add(word));
  return words;
}

/** Whether a term is one word's substring or spans words (then its rows need checking). */
export function spansWords(term: string): boolean {
  return SPACE.test(term);
}

/**
 * Where a piece of a term sits in a word of any text holding the term: a
 * space before it in the term starts a word, a space after it ends one.
 */
export type Place = 'within' | 'start' | 'end' | 'whole';

/**
 * The words of a term, each with its place: a matching row must hold a word
 * with the piece there. None when the term is empty; the term itself, within
 * a word, when it has no space.
 */
export function piecesOf(term: string): { piece: string; place: Place }[] {
  const parts = term.split(SPACES);
  const out: { piece: string; place: Place }[] = [];
  parts.forEach((piece, i) => {
    if (piece === '') return;
    const spaceBefore = i > 0;
    const spaceAfter = i < parts.length - 1;
    out.push({ piece, place: spaceBefore ? (spaceAfter ? 'whole' : 'start') : spaceAfter ? 'end' : 'within' });
  });
  return out;
}

/** A set of rows (bugs.n): per block of BLOCK rows, a bitmap. */
export type RowSet = Map<number, Uint8Array>;

/** The rows in both sets (`a` is changed and returned). */
export function bothOf(a: RowSet, b: RowSet): RowSet {
  for (const [block, bits] of a) {
    const other = b.get(block);
    let any = 0;
    if (other) for (let i = 0; i < bits.length; i++) any |= bits[i] &= other[i];
    if (any === 0) a.delete(block);
  }
  return a;
}

/** How many rows the set holds. */
export function countRows(rows: RowSet): number {
  let count = 0;
  for (const bits of rows.values()) for (const byte of bits) for (let b = byte; b !== 0; b &= b - 1) count++;
  return count;
}

/** Calls `f` with every row of the set. */
export function forEachRow(rows: RowSet, f: (n: number) => void): void {
  for (const [block, bits] of rows) {
    for (let i = 0; i < bits.length; i++) {
      for (let b = bits[i], k = 0; b !== 0; b >>= 1, k++) if (b & 1) f(block * BLOCK + i * 8 + k);
    }
  }
}

/** Bits to set and to clear in one block of one word, in the order they were asked. */
interface BlockChange {
  set: Uint8Array;
  clear: Uint8Array;
}

/** A word's rows as stored: per block, in block order, its number (u32 LE) and bitmap. */
function encodeRows(rows: RowSet): Buffer {
  const blocks = [...rows.keys()].sort((a, b) => a - b);
  const out = Buffer.alloc(blocks.length * ENTRY);
  blocks.forEach((block, i) => {
    out.writeUInt32LE(block, i * ENTRY);
    out.set(rows.get(block)!, i * ENTRY + 4);
  });
  return out;
}

function decodeRows(bytes: Uint8Array | undefined, into: RowSet = new Map()): RowSet {
  if (!bytes) return into;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + ENTRY <= bytes.length; at += ENTRY) {
    const block = view.getUint32(at, true);
    const bits = bytes.subarray(at + 4, at + ENTRY);
    const held = into.get(block);
    if (!held) into.set(block, bits);
    else for (let i = 0; i < held.length; i++) held[i] |= bits[i];
  }
  return into;
}

/**
 * Writes the word index inside the caller's transaction: a row's words as
 * they were and as they are now; the words' rows change when flush() runs
 * (the caller runs it before committing). A word left with no row leaves
 * the vocabulary.
 */
export class WordIndexWriter {
  /** word -> block -> the bits to set and clear there */
  private readonly pending = new Map<string, Map<number, BlockChange>>();
  private pendingBlocks = 0;
  /** word -> id, for the words asked of idOf (the vocabulary at most) */
  private readonly ids = new Map<string, number>();
  /** the next new word's id, read in the caller's transaction when first needed */
  private nextId: number | undefined;
  private readonly readId;
  private readonly readLastId;
  private readonly readRows;
  private readonly putRows;
  private readonly dropWord;

  constructor(db: IndexDb) {
    this.readId = db.prepare('SELECT id FROM words WHERE word = ?').pluck();
    this.readRows = db.prepare('SELECT rows FROM words WHERE word = ?').pluck();
    this.putRows = db.prepare('INSERT INTO words (id, word, rows) VALUES (?, ?, ?) ON CONFLICT (word) DO UPDATE SET rows = excluded.rows');
    this.dropWord = db.prepare('DELETE FROM words WHERE word = ?');
    // Ids are never given twice (AUTOINCREMENT keeps the highest ever given):
    // a worker still answering from an older vocabulary must not read a
    // new word where its word was.
    this.readLastId = db
      .prepare("SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'words'), 0), coalesce(max(id), 0)) FROM words")
      .pluck();
  }

  /**
   * The id of a word (word_positions names words by id): its row's, or a
   * new one that its row gets when flush() writes it. Asked inside the
   * writing transaction, so that another worker writing the file cannot
   * have given the same id meanwhile; a row that holds the word must be
   * given to change() in that transaction.
   */
  idOf(word: string): number {
    let id = this.ids.get(word);
    if (id === undefined) {
      id = this.readId.get(word) as number | undefined;
      if (id === undefined) {
        this.nextId ??= (this.readLastId.get() as number) + 1;
        id = this.nextId++;
      }
      this.ids.set(word, id);
    }
    return id;
  }

  /**
   * Row n held the words `before` (none for a new row) and now holds
   * `after` (none for a row gone): a set, or the keys of a map (the words'
   * positions, without a set made of them).
   */
  change(n: number, before: ReadonlySet<string>, after: ReadonlySet<string> | ReadonlyMap<string, unknown>): void {
    for (const w of before) if (!after.has(w)) this.mark(w, n, false);
    for (const w of after.keys()) if (!before.has(w)) this.mark(w, n, true);
    if (this.pendingBlocks >= MAX_PENDING) this.flush();
  }

  /** Writes the pending changes. */
  flush(): void {
    for (const [word, blocks] of this.pending) {
      const rows = decodeRows(this.readRows.get(word) as Buffer | undefined);
      for (const [block, { set, clear }] of blocks) {
        const bits = rows.get(block) ?? new Uint8Array(BLOCK / 8);
        let any = 0;
        for (let i = 0; i < bits.length; i++) any |= bits[i] = (bits[i] & ~clear[i]) | set[i];
        if (any === 0) rows.delete(block);
        else rows.set(block, bits);
      }
      if (rows.size > 0) this.putRows.run(this.idOf(word), word, encodeRows(rows));
      else this.dropWord.run(word);
    }
    this.pending.clear();
    this.pendingBlocks = 0;
  }

  private mark(word: string, n: number, on: boolean): void {
    let blocks = this.pending.get(word);
    if (!blocks) this.pending.set(word, (blocks = new Map<number, BlockChange>()));
    const block = Math.floor(n / BLOCK);
    let change = blocks.get(block);
    if (!change) {
      change = { set: new Uint8Array(BLOCK / 8), clear: new Uint8Array(BLOCK / 8) };
      blocks.set(block, change);
      this.pendingBlocks++;
    }
    const byte = (n % BLOCK) >> 3;
    const bit = 1 << (n & 7);
    (on ? change.set : change.clear)[byte] |= bit;
    (on ? change.clear : change.set)[byte] &= ~bit;
  }
}

/**
 * Reads the word index of one open. The vocabulary is read on the first text
 * query and kept for the worker's life (its words once each, joined: ~3 KB
 * for the generated 10k bugs, a few MB for a vocabulary of 500k words).
 */
export class WordIndexReader {
  private vocabulary: { joined: string; starts: Int32Array; ids: Int32Array } | undefined;
  private readonly readWords;
  private readonly readRows;

  constructor(db: IndexDb) {
    this.readWords = db.prepare('SELECT id, word FROM words').raw();
    this.readRows = db.prepare('SELECT rows FROM words WHERE id = ?').pluck();
  }

  /** The rows holding a word with `term` (lowercased, without a space) at `place` in it. */
  rowsHolding(term: string, place: Place = 'within'): RowSet {
    return this.rowsOf(this.wordsWith(term, place));
  }

  /** The rows holding any of these words. */
  rowsOf(ids: readonly number[]): RowSet {
    const rows: RowSet = new Map();
    // A word gone meanwhile (a newer worker wrote the file) holds no row.
    for (const id of ids) decodeRows(this.readRows.get(id) as Buffer | undefined, rows);
    return rows;
  }

  /** Ids of the words holding `term` (lowercased, without a space) at `place`. */
  wordsWith(term: string, place: Place): number[] {
    const { joined, starts, ids } = this.readVocabulary();
    // One string of every word, each after a newline and the last before one
    // (never in a word or a term): V8's indexOf runs over it, and the
    // newlines around a term pin it to a word's start or end.
    const before = place === 'start' || place === 'whole' ? '\n' : '';
    const pattern = before + term + (place === 'end' || place === 'whole' ? '\n' : '');
    const found: number[] = [];
    for (let at = joined.indexOf(pattern); at !== -1;) {
      // The word holding the term: the last start at or before it.
      const from = at + before.length;
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= from) lo = mid;
        else hi = mid - 1;
      }
      found.push(ids[lo]);
      if (lo + 1 >= starts.length) break;
      at = joined.indexOf(pattern, starts[lo + 1] - before.length);
    }
    return found;
  }

  private readVocabulary(): NonNullable<WordIndexReader['vocabulary']> {
    if (this.vocabulary) return this.vocabulary;
    const rows = this.readWords.all() as [number, string][];
    const starts = new Int32Array(rows.length);
    const ids = new Int32Array(rows.length);
    let joined = '';
    rows.forEach(([id, word], i) => {
      starts[i] = joined.length + 1;
      ids[i] = id;
      joined += '\n' + word;
    });
    this.vocabulary = { joined: joined + '\n', starts, ids };
    return this.vocabulary;
  }
}
