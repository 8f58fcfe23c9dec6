// The git process limit: at most `max` slots at once, then a bounded queue in
// arrival order, then a clear "busy" refusal; a wait that runs out is refused too.

import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../../src/errors.js';
import { ProcessLimit } from '../../src/git/process-limit.js';

describe('ProcessLimit', () => {
  it('runs max at once, queues in order, refuses beyond the queue', async () => {
    const limit = new ProcessLimit({ max: 2, queue: 1, waitMs: 5_000 });
    const a = await limit.acquire();
    const b = await limit.acquire();
    expect(limit.active).toBe(2);
    const queued = limit.acquire();
    await expect(limit.acquire()).rejects.toBeInstanceOf(UnavailableError);
    expect(limit.queued).toBe(1);
    a();
    a(); // twice is harmless
    const c = await queued;
    expect(limit.active).toBe(2);
    b();
    c();
    expect(limit.active).toBe(0);
    expect(limit.peak).toBe(2);
  });

  it('refuses a wait that runs out, with a busy message', async () => {
    const limit = new ProcessLimit({ max: 1, queue: 4, waitMs: 50 });
    const held = await limit.acquire();
    await expect(limit.acquire()).rejects.toThrow(/busy/);
    expect(limit.queued).toBe(0);
    held();
    const r = await limit.run(() => Promise.resolve('ran'));
    expect(r).toBe('ran');
    expect(limit.active).toBe(0);
  });
});
