import { describe, expect, it } from 'vitest';
import { decodeCatalog, encodeCatalog, shardOf, SHARDS, type CatalogEntry } from '../../src/index/catalog.js';

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
    expect(decodeCatalog(encodeCatalog(entries))).toEqual(entries);
  });

  it('writes each id, label and person once, and decoded rows share them', () => {
    const text = encodeCatalog([open, closed]);
    expect(text.split(alice.id)).toHaveLength(2);
    const [a, b] = decodeCatalog(text);
    expect(a.row!.author).toBe(b.row!.author);
    expect(a.row!.participants[1]).toBe(b.uses[1]);
  });

  it('refuses another version or a cut text', () => {
    expect(() => decodeCatalog(encodeCatalog([open]).replace('"v":1', '"v":2'))).toThrow(/version/);
    expect(() => decodeCatalog(encodeCatalog([open]).slice(0, 50))).toThrow();
  });

  it('puts hex ids in shards by their first digit, so shards in order are ids in order', () => {
    const ids = ['0a', '1b', '9c', 'a0', 'c3', 'ff'];
    expect(ids.map(shardOf)).toEqual([0, 1, 9, 10, 12, 15]);
    for (const odd of ['', 'Z', '-', 'é']) expect(shardOf(odd)).toBeLessThan(SHARDS);
  });
});
