import { describe, expect, it } from 'vitest';
import { decodeListView, encodeListView, statusOnly, viewPage, type ListView } from '../../src/index/list-view.js';
import { parseQuery } from '../../src/gitbug/query.js';

// Five bugs at rows 10..50; 20 and 40 closed. Creation order: 30, 10, 50, 20, 40.
const view: ListView = {
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
  });

  it('refuses bytes that are not a view: short, cut, another version, a position out of range', () => {
    const bytes = encodeListView(view);
    expect(() => decodeListView(bytes.subarray(0, 4))).toThrow();
    expect(() => decodeListView(bytes.subarray(0, bytes.length - 1))).toThrow(/length/);
    const other = Buffer.from(bytes);
    other.writeInt32LE(99, 0);
    expect(() => decodeListView(other)).toThrow(/version/);
    const wild = Buffer.from(bytes);
    wild.writeInt32LE(5, 4 * (2 + 5));
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
});
