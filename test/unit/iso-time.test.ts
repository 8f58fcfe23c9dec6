import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/gitbug/snapshot.js';

/** What Date formats, without its milliseconds when they are zero (git-bug times are whole seconds). */
const viaDate = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

describe('isoTime', () => {
  it('formats whole seconds as Date does, at day and year edges and at random', () => {
    const seconds = [0, 1, 59, 60, 3599, 3600, 86_399, 86_400, 951_782_400, 1_709_251_199, 253_402_300_799];
    let x = 12345;
    for (let i = 0; i < 20_000; i++) seconds.push((x = (x * 48271) % 2_147_483_647) * 117);
    for (const s of seconds) expect(isoTime(s), String(s)).toBe(viaDate(s));
  });

  it('falls back to Date outside the four-digit years and for fractions, and never throws', () => {
    for (const s of [-1, -86_401, 253_402_300_800, 1.5]) expect(isoTime(s)).toBe(viaDate(s));
    expect(isoTime(Number.NaN)).toBe('1970-01-01T00:00:00Z');
    expect(isoTime(1e300)).toBe('1970-01-01T00:00:00Z');
  });
});
