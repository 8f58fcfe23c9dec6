// The small rules behind every reply: which encoding a client gets, when an
// If-None-Match matches, and the byte bound of the compressed-body cache.

import { describe, expect, it } from 'vitest';
import { ByteLru } from '../../src/cache/byte-lru.js';
import { contentSecurityPolicy, matchesEtag, pickEncoding } from '../../src/web/respond.js';

describe('pickEncoding', () => {
  it('prefers brotli, then gzip; honours q=0; identity when nothing usable is offered', () => {
    expect(pickEncoding('gzip, deflate, br')).toBe('br');
    expect(pickEncoding('gzip')).toBe('gzip');
    expect(pickEncoding('br;q=0, gzip;q=0.5')).toBe('gzip');
    expect(pickEncoding('BR')).toBe('br');
    expect(pickEncoding('*')).toBe('gzip');
    expect(pickEncoding('deflate')).toBe('identity');
    expect(pickEncoding('gzip;q=0')).toBe('identity');
    expect(pickEncoding(undefined)).toBe('identity');
    expect(pickEncoding('')).toBe('identity');
  });
});

describe('matchesEtag', () => {
  it('matches one of a list, weak or strong, and *', () => {
    expect(matchesEtag('"a"', '"a"')).toBe(true);
    expect(matchesEtag('"x", W/"a"', '"a"')).toBe(true);
    expect(matchesEtag('*', '"a"')).toBe(true);
    expect(matchesEtag('"b"', '"a"')).toBe(false);
    expect(matchesEtag(undefined, '"a"')).toBe(false);
    expect(matchesEtag('a', '"a"')).toBe(false);
  });
});

describe('ByteLru', () => {
  it('keeps the total under its byte bound, dropping the least recently used first', () => {
    const lru = new ByteLru<string>(100, 60);
    lru.set('a', 'A', 40);
    lru.set('b', 'B', 40);
    expect(lru.get('a')).toBe('A'); // a is now the most recent
    lru.set('c', 'C', 40);
    expect(lru.bytes).toBeLessThanOrEqual(100);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe('A');
    expect(lru.get('c')).toBe('C');
    // Larger than one entry may be: not kept at all.
    lru.set('big', 'X', 61);
    expect(lru.get('big')).toBeUndefined();
    expect(lru.bytes).toBe(80);
    // Replacing a key counts its new size only.
    lru.set('a', 'A2', 10);
    expect(lru.bytes).toBe(50);
    expect(lru.size).toBe(2);
  });
});

describe('contentSecurityPolicy', () => {
  it('allows images from this server and data: only, plus the hosts an operator lists', () => {
    expect(contentSecurityPolicy()).toContain("img-src 'self' data:;");
    expect(contentSecurityPolicy(['img.example.com', '*.cdn.example'])).toContain("img-src 'self' data: img.example.com *.cdn.example;");
    expect(contentSecurityPolicy()).toMatch(/^default-src 'none';/);
    expect(contentSecurityPolicy()).not.toContain('script-src');
  });
});
