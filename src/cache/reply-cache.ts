// Replies already given by the repositories' workers, for repeated requests.
//
// The rule this rests on: an entry's replies never change. A worker answers
// from the data it built once; a change to the repository's bug refs makes a
// new entry with a new generation number, and every key here starts with the
// generation. So a kept reply is correct for as long as its entry lives, and
// nothing here needs invalidating (forget() only frees memory early).
//
// Keys are what a request resolves to, never how it was typed: a bug asked for
// by any prefix in any letter case is kept once, under its full id (the
// manager resolves the prefix first). Bounded by bytes across all
// repositories, so no sequence of requests can grow the main thread's heap
// past the bound.

import { ByteLru, approxBytes } from './byte-lru.js';
import type { ReplyOf, RequestKind, RequestOf } from './protocol.js';

/** Requests whose answer depends only on the entry's data (not stats or faults). */
const MEMOIZED: ReadonlySet<RequestKind> = new Set(['list', 'bug', 'identity', 'resolve']);

export const DEFAULT_REPLY_CACHE_BYTES = 256 * 1024 * 1024;

export class ReplyCache {
  private readonly lru: ByteLru<Promise<unknown>>;

  constructor(maxBytes = DEFAULT_REPLY_CACHE_BYTES) {
    this.lru = new ByteLru(maxBytes);
  }

  static memoizable(kind: RequestKind): boolean {
    return MEMOIZED.has(kind);
  }

  /**
   * The reply to `req` from the entry of generation `generation`: a kept one,
   * or `ask()`'s, kept once it arrives. Callers that arrive while it is on its
   * way share it. Errors are never kept.
   */
  get<K extends RequestKind>(generation: number, req: RequestOf<K>, ask: () => Promise<ReplyOf<K>>): Promise<ReplyOf<K>> {
    const key = `${generation}\0${JSON.stringify(req)}`;
    const kept = this.lru.get(key) as Promise<ReplyOf<K>> | undefined;
    if (kept) return kept;
    const reply = ask();
    // Counted small while on its way; its real size once it has arrived.
    this.lru.set(key, reply, key.length * 2);
    reply.then(
      (value) => {
        if (this.lru.has(key) && this.lru.get(key) === reply) this.lru.set(key, reply, key.length * 2 + approxBytes(value));
      },
      () => {
        if (this.lru.get(key) === reply) this.lru.delete(key);
      },
    );
    return reply;
  }

  /** Frees the replies of an entry that has left service. */
  forget(generation: number): void {
    this.lru.deleteWhere((key) => key.startsWith(`${generation}\0`));
  }

  get bytes(): number {
    return this.lru.bytes;
  }
}
