import { describe, expect, it } from 'vitest';
import {
  decodeListView,
  encodeListView,
  statusOnly,
  updateListView,
  viewPage,
  type ListView,
  type WrittenBug,
} from '../../src/index/list-view.js';
import { parseQuery } from '../../src/gitbug/query.js';
import { orderComparator, sortKeysOf } from '../../src/gitbug/query-match.js';

// Five bugs at rows 10..50; 20 and 40 closed. Creation order: 30, 10, 50, 20, 40; edit order the reverse of rows.
const view: ListView = {
  keys: {
    createClock: Float64Array.from([2, 4, 1, 5, 3]),
    editClock: Float64Array.from([5, 4, 3, 2, 1]),
    created: new Float64Array(5),
    edited: new Float64Array(5),
  },
  ns: Int32Array.from([10, 20, 30, 40, 50]),
  closed: Uint8Array.from([0, 1, 0, 1, 0]),
  orders: {
    id: Int32Array.from([0, 1, 2, 3, 4]),
    creation: Int32Array.from([2, 0, 4, 1, 3]),
    edit: Int32Array.from([4, 3, 2, 1, 0]),
  },
};

describe('the list view', () => {
  it('reads back what was stored, from bytes at any offset', () => {
    const bytes = encodeListView(view);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const back = decodeListView(shifted.subarray(1));
    expect([...back.ns]).toEqual([...view.ns]);
    expect([...back.closed]).toEqual([...view.closed]);
    for (const by of ['id', 'creation', 'edit'] as const) expect([...back.orders[by]]).toEqual([...view.orders[by]]);
    for (const k of ['createClock', 'editClock', 'created', 'edited'] as const) expect([...back.keys[k]]).toEqual([...view.keys[k]]);
  });

  it('refuses bytes that are not a view: short, cut, another version, a position out of range', () => {
    const bytes = encodeListView(view);
    expect(() => decodeListView(bytes.subarray(0, 4))).toThrow();
    expect(() => decodeListView(bytes.subarray(0, bytes.length - 1))).toThrow(/length/);
    const other = Buffer.from(bytes);
    other.writeInt32LE(99, 0);
    expect(() => decodeListView(other)).toThrow(/version/);
    const wild = Buffer.from(bytes);
    // The id order's first position: after the header, four keys of 5 floats and the 5 rows.
    wild.writeInt32LE(5, 8 + 8 * 4 * 5 + 4 * 5);
    expect(() => decodeListView(wild)).toThrow(/out of range/);
  });

  it('pages a status and an order, with the tab counts', () => {
    expect(viewPage(view, parseQuery('status:open'), { start: 0, count: 10 })).toEqual({ ns: [50, 10, 30], total: 3, open: 3, closed: 2 });
    expect(viewPage(view, parseQuery('sort:creation-asc'), { start: 1, count: 2 })).toEqual({ ns: [10, 50], total: 5, open: 3, closed: 2 });
    expect(viewPage(view, parseQuery('status:closed sort:edit-asc'), { start: 0, count: 1 })).toEqual({
      ns: [40],
      total: 2,
      open: 3,
      closed: 2,
    });
    expect(viewPage(view, parseQuery('status:closed'), { start: 5, count: 5 }).ns).toEqual([]);
  });

  it('answers only queries of a status and an order', () => {
    for (const q of ['', 'status:closed', 'sort:edit-asc', 'status:open status:closed sort:id'])
      expect(statusOnly(parseQuery(q)), q).toBe(true);
    for (const q of ['label:bug', 'no:label', 'author:a', 'participant:a', 'actor:a', 'title:x', 'word'])
      expect(statusOnly(parseQuery(q)), q).toBe(false);
  });

  it('carried over a write equals the view built afresh: bugs dropped, compiled again and added, ties in every key', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      // The high bits: an LCG's low bits repeat with a short period.
      return (seed >>> 12) % n;
    };
    let made = 0;
    // Unique (the suffix), in random order (the prefix).
    const hex = () => Array.from({ length: 6 }, () => '0123456789abcdef'[random(16)]).join('') + (made++).toString(16).padStart(4, '0');
    const bugOf = (id: string, n: number): WrittenBug => ({
      id,
      n,
      status: random(3) === 0 ? 'closed' : 'open',
      // Few values: equal clocks and times, broken by id.
      createClock: random(6),
      editClock: random(6),
      createdAt: new Date(1_700_000_000_000 + random(3) * 1000).toISOString(),
      editedAt: random(5) === 0 ? 'not a date' : new Date(1_700_000_000_000 + random(3) * 1000).toISOString(),
    });
    const afresh = (bugs: WrittenBug[]): ListView => {
      const sorted = [...bugs].sort((a, b) => (a.id < b.id ? -1 : 1));
      const keys = sortKeysOf(sorted);
      const positions = () => Int32Array.from(sorted.keys());
      return {
        ns: Int32Array.from(sorted.map((b) => b.n)),
        closed: Uint8Array.from(sorted.map((b) => (b.status === 'closed' ? 1 : 0))),
        keys,
        orders: {
          id: positions(),
          creation: positions().sort(orderComparator(keys, 'creation')),
          edit: positions().sort(orderComparator(keys, 'edit')),
        },
      };
    };
    const plain = (v: ListView) => JSON.stringify(v, (_, x: unknown) => (ArrayBuffer.isView(x) ? [...(x as Int32Array)] : x));
    for (let round = 0; round < 200; round++) {
      let next = 1;
      let bugs = Array.from({ length: 1 + random(40) }, () => bugOf(hex(), next++));
      const before = afresh(bugs);
      const idOf = new Map(bugs.map((b) => [b.n, b.id]));
      // Every third round only compiles bugs again (the usual push): no bug comes or goes.
      const some = round % 3 !== 0;
      const dropped = new Set(bugs.filter(() => some && random(8) === 0).map((b) => b.n));
      const again = bugs.filter((b) => !dropped.has(b.n) && random(some ? 6 : 3) === 0).map((b) => bugOf(b.id, b.n));
      const added = Array.from({ length: some ? random(4) : 0 }, () => bugOf(hex(), next++));
      const written = [...again, ...added];
      bugs = [...bugs.filter((b) => !dropped.has(b.n) && !again.some((a) => a.n === b.n)), ...written];
      const carried = updateListView(before, dropped, written, (n) => idOf.get(n)!);
      expect(carried && plain(carried), `round ${round}`).toBe(plain(afresh(bugs)));
    }
  });

  it('is not carried over a write of many bugs (built afresh from the rows instead)', () => {
    const many = Array.from({ length: 65 }, (_, i): WrittenBug => ({
      id: `f${i}`,
      n: 100 + i,
      status: 'open',
      createClock: 1,
      editClock: 1,
      createdAt: '',
      editedAt: '',
    }));
    expect(updateListView(view, new Set(), many, () => '0')).toBeUndefined();
  });
});
