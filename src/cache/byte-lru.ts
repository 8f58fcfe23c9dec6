// A least-recently-used map bounded by the bytes its values take, not by their
// count: a cache on the main thread holds repository content (bugs, JSON,
// rendered HTML) whose size a pusher decides, so only a byte bound keeps the
// server's heap bounded.

export class ByteLru<V, K = string> {
  private readonly map = new Map<K, { value: V; bytes: number }>();
  private total = 0;

  /** `maxBytes` for all entries; a single value over `maxEntryBytes` (a quarter by default) is not kept. */
  constructor(
    readonly maxBytes: number,
    readonly maxEntryBytes = maxBytes / 4,
  ) {}

  get(key: K): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    // Map order is the recency order.
    this.map.delete(key);
    this.map.set(key, hit);
    return hit.value;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Keeps `value` as `bytes` big, dropping the least recently used entries to stay within the bound. */
  set(key: K, value: V, bytes: number): void {
    this.delete(key);
    if (bytes > this.maxEntryBytes || bytes > this.maxBytes) return;
    this.map.set(key, { value, bytes });
    this.total += bytes;
    for (const [k, v] of this.map) {
      if (this.total <= this.maxBytes) break;
      this.map.delete(k);
      this.total -= v.bytes;
    }
  }

  delete(key: K): boolean {
    const hit = this.map.get(key);
    if (!hit) return false;
    this.map.delete(key);
    this.total -= hit.bytes;
    return true;
  }

  /** Deletes every entry whose key passes `test`. */
  deleteWhere(test: (key: K) => boolean): void {
    for (const [k, v] of this.map) {
      if (!test(k)) continue;
      this.map.delete(k);
      this.total -= v.bytes;
    }
  }

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.map.size;
  }
}

/**
 * Roughly what a value holds in memory: two bytes a string character (V8 may
 * use one; erring high keeps the bound), a typed array's whole buffer, a few
 * words an object, array or number. Walks the value once; shared parts are
 * counted each time seen.
 */
export function approxBytes(value: unknown): number {
  let bytes = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') bytes += 16 + 2 * v.length;
    else if (v === null || typeof v !== 'object') bytes += 8;
    // Bytes (a bug's JSON): what its buffer holds, without walking every index.
    else if (ArrayBuffer.isView(v)) bytes += 64 + v.buffer.byteLength;
    else if (Array.isArray(v)) {
      bytes += 16 + 8 * v.length;
      for (const x of v) stack.push(x);
    } else {
      for (const [k, x] of Object.entries(v)) {
        bytes += 8 + 2 * k.length;
        stack.push(x);
      }
      bytes += 32;
    }
  }
  return bytes;
}
