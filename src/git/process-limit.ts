// The bound on git child processes started for web requests (git over HTTP,
// code browsing). Anonymous clients share it: beyond `max` running, callers
// wait in a bounded queue; beyond that they are refused at once with a clear
// "busy" error (503), so no client can make the server fork without limit.

import { UnavailableError } from '../errors.js';

export interface ProcessLimitOptions {
  /** git processes (requests) running at once */
  max: number;
  /** callers allowed to wait for a slot; more are refused */
  queue: number;
  /** how long a caller waits for a slot before it is refused */
  waitMs: number;
}

export const DEFAULT_PROCESS_LIMIT: ProcessLimitOptions = { max: 16, queue: 64, waitMs: 10_000 };

/** Gives back the slot; calling it twice is harmless. */
export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
  refuse: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class ProcessLimit {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  private peakRunning = 0;

  constructor(readonly options: ProcessLimitOptions = DEFAULT_PROCESS_LIMIT) {}

  /** Slots in use now. */
  get active(): number {
    return this.running;
  }

  /** Callers waiting now. */
  get queued(): number {
    return this.waiting.length;
  }

  /** The most slots ever in use at once (for the soak report). */
  get peak(): number {
    return this.peakRunning;
  }

  /** Waits for a slot; rejects with UnavailableError when the queue is full or the wait too long. */
  acquire(): Promise<Release> {
    if (this.running < this.options.max) return Promise.resolve(this.take());
    if (this.waiting.length >= this.options.queue) {
      return Promise.reject(new UnavailableError('the server is busy with other git requests; try again'));
    }
    return new Promise<Release>((grant, refuse) => {
      const waiter: Waiter = {
        grant,
        refuse,
        timer: setTimeout(() => {
          const i = this.waiting.indexOf(waiter);
          if (i !== -1) this.waiting.splice(i, 1);
          refuse(new UnavailableError('the server is busy with other git requests; try again'));
        }, this.options.waitMs),
      };
      waiter.timer.unref();
      this.waiting.push(waiter);
    });
  }

  /** Runs `fn` holding a slot. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private take(): Release {
    this.running++;
    this.peakRunning = Math.max(this.peakRunning, this.running);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      const next = this.waiting.shift();
      if (next) {
        clearTimeout(next.timer);
        next.grant(this.take());
      }
    };
  }
}
