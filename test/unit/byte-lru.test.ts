// The byte-bounded LRU under every main-thread cache: the bound is on bytes,
// whatever the number of entries.

import { describe, expect, it } from 'vitest';
import { ByteLru, approxBytes } from '../../src/cache/byte-lru.js';

describe('ByteLru', () => {
  it('never holds more bytes than its bound, dropping the least recently used first', () => {
    const lru = new ByteLru<string>(100);
    lru.set('a', 'A', 20);
    lru.set('b', 'B', 20);
    lru.set('c', 'C', 20);
    expect(lru.get('a')).toBe('A'); // a is now the most recently used
    lru.set('d', 'D', 20);
    lru.set('e', 'E', 25);
    expect(lru.bytes).toBeLessThanOrEqual(100);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe('A');
    for (let i = 0; i < 1000; i++) lru.set(`k${i}`, 'v', 7);
    expect(lru.bytes).toBeLessThanOrEqual(100);
    expect(lru.size).toBe(14);
  });

  it('does not keep one value larger than a quarter of the bound, and replaces a key in place', () => {
    const lru = new ByteLru<string>(100);
    lru.set('big', 'x', 26);
    expect(lru.has('big')).toBe(false);
    lru.set('k', 'one', 10);
    lru.set('k', 'two', 20);
    expect(lru.get('k')).toBe('two');
    expect(lru.bytes).toBe(20);
    lru.deleteWhere((k) => k === 'k');
    expect(lru.bytes).toBe(0);
  });

  it('approxBytes grows with the text a value holds', () => {
    const small = approxBytes({ id: 'a', comments: [{ message: 'x' }] });
    const large = approxBytes({ id: 'a', comments: [{ message: 'x'.repeat(1_000_000) }] });
    expect(large - small).toBeGreaterThanOrEqual(2_000_000 - 2);
  });

  it('approxBytes counts bytes (a bug page as JSON) by their buffer', () => {
    const page = { id: 'a'.repeat(64), json: new TextEncoder().encode('é'.repeat(500_000)) };
    const bytes = approxBytes(page);
    expect(bytes).toBeGreaterThanOrEqual(1_000_000);
    expect(bytes).toBeLessThan(1_000_000 + 1_000);
  });
});
