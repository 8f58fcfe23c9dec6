// The render pool: a few stateless worker threads (workers/render-worker.ts)
// that turn Markdown into HTML and highlight source files. Bounded: at most
// `threads` renders run at once and `queue` wait; beyond that a render is
// refused with UnavailableError (503), so a flood of heavy pages slows those
// pages, never the server. Each task has a deadline.

import { Piscina } from 'piscina';
import { UnavailableError } from '../errors.js';
import { workerEntry } from '../worker-file.js';
import type { RenderKind, RenderReplyOf, RenderRequestOf } from './protocol.js';

export interface RenderPoolOptions {
  threads?: number;
  /** renders allowed to wait for a thread */
  queue?: number;
  /** a render that takes longer fails (its thread is replaced) */
  timeoutMs?: number;
}

export class RenderPool {
  private readonly pool: Piscina;
  private readonly timeoutMs: number;
  /** renders running or waiting; counted here because piscina's own queue bound depends on thread start-up */
  private pending = 0;
  private readonly capacity: number;

  constructor(options: RenderPoolOptions = {}) {
    const threads = options.threads ?? 2;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.capacity = threads + (options.queue ?? 64);
    this.pool = new Piscina({
      ...workerEntry('render-worker'),
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: 60_000,
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
  }

  async run<K extends RenderKind>(req: RenderRequestOf<K>): Promise<RenderReplyOf<K>> {
    if (this.pending >= this.capacity) throw new UnavailableError('the server is busy rendering other pages; try again');
    this.pending++;
    try {
      return (await this.pool.run(req, { signal: AbortSignal.timeout(this.timeoutMs) })) as RenderReplyOf<K>;
    } catch (err) {
      const e = err as Error & { code?: string };
      if (e.name === 'AbortError' || e.code === 'ABORT_ERR') throw new UnavailableError('rendering this page took too long');
      throw err;
    } finally {
      this.pending--;
    }
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
