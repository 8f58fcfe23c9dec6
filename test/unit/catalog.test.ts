import { describe, expect, it } from 'vitest';
import { decodeKeys, decodeRows, encodeCatalog, shardOf, SHARDS, type CatalogEntry } from '../../src/index/catalog.js';

/** A shard encoded and read back whole, as an open and its first list do. */
function roundTrip(entries: CatalogEntry[]): CatalogEntry[] {
  const { keys, rows } = encodeCatalog(entries);
  const decodedKeys = decodeKeys(keys);
  const decodedRows = decodeRows(rows, decodedKeys);
  return decodedKeys.map((k, i) => ({ ...k, row: decodedRows[i] }));
}

const alice = { id: 'a'.repeat(64), name: 'Alice <script>' };
const bob = { id: 'b'.repeat(64), name: 'Bob' };

const open: CatalogEntry = {
  id: '0'.repeat(64),
  n: 1,
  head: 'c'.repeat(40),
  uses: [alice.id, bob.id],
  row: {
    id: '0'.repeat(64),
    title: 'crash "quoted" \u2028 é',
    status: 'open',
    labels: ['bug', 'ui'],
    author: alice,
    createdAt: '2020-01-01T00:00:00Z',
    editedAt: '2020-01-02T00:00:00Z',
    createClock: 1,
    editClock: 7,
    participants: [alice.id, bob.id],
    actors: [bob.id],
    mentioned: [alice, bob],
    comments: 3,
  },
  damaged: null,
};
const closed: CatalogEntry = {
  ...open,
  id: 'f'.repeat(64),
  n: 2,
  row: { ...open.row!, id: 'f'.repeat(64), status: 'closed', labels: ['bug'], closedAt: '2021-05-05T10:00:00Z' },
};
const damaged: CatalogEntry = {
  id: 'not-an-id',
  n: 0,
  head: 'd'.repeat(40),
  uses: [],
  row: null,
  damaged: { id: 'not-an-id', reason: 'bad ref name', code: 'damaged_data' },
};

describe('the catalog', () => {
  it('decodes to what was encoded, closed time and damage included', () => {
    const entries = [open, closed, damaged];
    expect(roundTrip(entries)).toEqual(entries);
  });

  it('keeps keys apart from rows: the keys alone name every bug, its head and its damage', () => {
    const { keys } = encodeCatalog([open, closed, damaged]);
    expect(keys).not.toContain('crash');
    expect(decodeKeys(keys)).toEqual([open, closed, damaged].map(({ row: _, ...key }) => key));
  });

  it('writes each id, label and person once, and decoded rows share them', () => {
    const { keys, rows } = encodeCatalog([open, closed]);
    expect(rows.split(alice.id)).toHaveLength(2);
    expect(keys.split(alice.id)).toHaveLength(2);
    const [a, b] = roundTrip([open, closed]);
    expect(a.row!.author).toBe(b.row!.author);
    expect(a.row!.participants[1]).toBe(b.row!.participants[1]);
  });

  it('refuses another version, a cut text, or rows that do not match the keys', () => {
    const { keys, rows } = encodeCatalog([open]);
    expect(() => decodeKeys(keys.replace('"v":2', '"v":3'))).toThrow(/version/);
    expect(() => decodeKeys(keys.slice(0, 50))).toThrow();
    expect(() => decodeRows(rows.replace('"v":2', '"v":3'), decodeKeys(keys))).toThrow(/version/);
    expect(() => decodeRows(rows, decodeKeys(encodeCatalog([open, closed]).keys))).toThrow(/rows for 2 bugs/);
  });

  it('puts hex ids in shards by their first six bits, so shards in order are ids in order', () => {
    const ids = ['00', '0a', '1b', '9c', 'a0', 'c3', 'ff'];
    expect(ids.map(shardOf)).toEqual([0, 2, 6, 39, 40, 48, 63]);
    for (const odd of ['', 'Z', '-', 'é']) expect(shardOf(odd)).toBeLessThan(SHARDS);
  });
});
