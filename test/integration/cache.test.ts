// GitBugCacheManager with real worker threads over real repositories: every
// interleaving the brief names, plus a bounded stress run.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { GitBugCacheManager, type CacheOptions } from '../../src/cache/manager.js';
import { bugOf } from '../../src/cache/protocol.js';
import { NotFoundError, UnavailableError, WorkerFailedError, BadRequestError } from '../../src/errors.js';
import { git, ops, smallRepo, tempDir, writeBug, writeIdentity } from '../helpers/git-bug-writer.js';
import { CORPUS_BUGS, loadCorpus } from '../helpers/corpus.js';

const tmp = tempDir();
const reposDir = `${tmp.path}/repos`;
const managers: GitBugCacheManager[] = [];

function manager(opts: Partial<CacheOptions> = {}): GitBugCacheManager {
  const m = new GitBugCacheManager({ reposDir, registry: new Registry(), allowFaults: true, ...opts });
  managers.push(m);
  return m;
}

async function metric(m: GitBugCacheManager, name: string, labels?: Record<string, string>): Promise<number> {
  const json = await m.registry.getMetricsAsJSON();
  const found = json.find((x) => x.name === name);
  const values = (found?.values ?? []) as { value: number; labels: Record<string, string> }[];
  return values
    .filter((v) => !labels || Object.entries(labels).every(([k, val]) => v.labels[k] === val))
    .reduce((sum, v) => sum + v.value, 0);
}

const listAll = { kind: 'list', q: '', page: 1, perPage: 50 } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits (bounded) for what a manager does in the background, such as starting or stopping the spare. */
async function until(cond: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${cond.toString()}`);
    await sleep(10);
  }
}

let small: { author: string; ids: string[] };
beforeAll(() => {
  small = smallRepo(`${reposDir}/small.git`, 12);
  smallRepo(`${reposDir}/group/other.git`, 3);
  smallRepo(`${reposDir}/third.git`, 2);
});

afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.close()));
});
afterAll(() => tmp.remove());

describe('opening', () => {
  it('starts nothing until the first bug request, then one worker and a spare for the next open', async () => {
    const m = manager();
    expect(m.workerThreads()).toBe(0);
    expect(await metric(m, 'bugserve_cache_opens_total')).toBe(0);
    const reply = await m.call('small', listAll);
    expect(reply.total).toBe(12);
    expect(m.warmRepositories()).toEqual(['small']);
    expect(m.workerThreads()).toBe(2);
  });

  it('builds once for many simultaneous first requests', async () => {
    const m = manager();
    const replies = await Promise.all(Array.from({ length: 20 }, () => m.call('small', listAll)));
    expect(replies.every((r) => r.total === 12)).toBe(true);
    expect(await metric(m, 'bugserve_cache_opens_total')).toBe(1);
    expect(m.workerThreads()).toBe(2); // and the spare
  });

  it('answers later requests from the warm worker without rebuilding', async () => {
    const m = manager();
    for (let i = 0; i < 30; i++) await m.call('small', listAll);
    expect(await metric(m, 'bugserve_cache_opens_total')).toBe(1);
    expect(await metric(m, 'bugserve_cache_hits_total')).toBeGreaterThanOrEqual(29);
  });

  it('serves repositories in groups and rejects unknown or hostile names', async () => {
    const m = manager();
    expect((await m.call('group/other', listAll)).total).toBe(3);
    await expect(m.call('nope', listAll)).rejects.toBeInstanceOf(NotFoundError);
    await expect(m.call('../repos/small', listAll)).rejects.toBeInstanceOf(BadRequestError);
    expect(m.warmRepositories()).toEqual(['group/other']);
  });

  it('resolves id prefixes, reports ambiguity and absence', async () => {
    const m = manager();
    const id = small.ids[0];
    expect((await m.call('small', { kind: 'bug', prefix: id.slice(0, 10) })).id).toBe(id);
    await expect(m.call('small', { kind: 'bug', prefix: 'ffffffffff' })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('freshness', () => {
  it('sees a ref changed without any hook on the next request', async () => {
    const path = `${reposDir}/fresh.git`;
    const { author } = smallRepo(path, 2);
    const m = manager();
    expect((await m.call('fresh', listAll)).total).toBe(2);
    writeBug(path, author, [[ops.create('arrived by update-ref')]]);
    const after = await m.call('fresh', listAll);
    expect(after.total).toBe(3);
    expect(after.bugs.map((b) => b.title)).toContain('arrived by update-ref');
    expect(await metric(m, 'bugserve_cache_invalidations_total', { reason: 'refs-changed' })).toBe(1);
  });

  it('sees refs packed with git pack-refs and deleted refs', async () => {
    const path = `${reposDir}/packed.git`;
    const { ids } = smallRepo(path, 3);
    const m = manager();
    expect((await m.call('packed', listAll)).total).toBe(3);
    git(path, ['pack-refs', '--all']);
    git(path, ['update-ref', '-d', `refs/bugs/${ids[0]}`]);
    expect((await m.call('packed', listAll)).total).toBe(2);
  });

  it('builds once after a push, and not again when the ref stamp settles', async () => {
    const path = `${reposDir}/settle.git`;
    const { author } = smallRepo(path, 2);
    const m = manager();
    await m.call('settle', listAll);
    writeBug(path, author, [[ops.create('just pushed')]]);
    m.invalidateCache('settle', 'hook');
    // Straight after the write: the stamp is still within its racy window.
    expect((await m.call('settle', listAll)).total).toBe(3);
    await sleep(60);
    expect((await m.call('settle', listAll)).total).toBe(3);
    expect(await metric(m, 'bugserve_cache_opens_total')).toBe(2);
  });

  it('answers a repeated page from memory until the repository changes', async () => {
    const path = `${reposDir}/memo.git`;
    const { author } = smallRepo(path, 2);
    const m = manager();
    const first = await m.call('memo', listAll);
    expect(await m.call('memo', listAll)).toBe(first); // the same reply, no trip to the worker
    expect(await m.call('memo', { ...listAll, q: 'status:closed' })).not.toBe(first);
    writeBug(path, author, [[ops.create('a change')]]);
    const after = await m.call('memo', listAll);
    expect(after.total).toBe(3);
  });

  it('keeps one reply per bug, however its id is spelled', async () => {
    const m = manager();
    const id = small.ids[0];
    const full = await m.call('small', { kind: 'bug', prefix: id });
    for (const spelling of [
      id.slice(0, 7),
      id.slice(0, 7).toUpperCase(),
      id.slice(0, 20),
      id.toUpperCase(),
      `${id.slice(0, 3).toUpperCase()}${id.slice(3, 30)}`,
    ]) {
      expect(await m.call('small', { kind: 'bug', prefix: spelling })).toBe(full);
    }
    // Errors still come through and are not kept.
    await expect(m.call('small', { kind: 'bug', prefix: 'zz' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(m.call('small', { kind: 'bug', prefix: 'f'.repeat(64) })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('keeps replies within a byte bound: a reply too large for it is fetched again, correctly', async () => {
    const m = manager({ replyCacheBytes: 4096 });
    const first = await m.call('small', listAll);
    const again = await m.call('small', listAll);
    expect(again).not.toBe(first); // 12 excerpts are more than a quarter of 4 KB: not kept
    expect(again).toEqual(first);
  });

  it('invalidateCache makes the next request build afresh', async () => {
    const m = manager();
    await m.call('small', listAll);
    expect(m.invalidateCache('small', 'hook')).toBe(true);
    expect(m.warmRepositories()).toEqual([]);
    await m.call('small', listAll);
    expect(await metric(m, 'bugserve_cache_opens_total')).toBe(2);
    expect(await metric(m, 'bugserve_cache_invalidations_total', { reason: 'hook' })).toBe(1);
  });
});

describe('interleavings', () => {
  it('lets a request in flight during an invalidation complete', async () => {
    const m = manager();
    await m.call('small', listAll);
    const slow = m.call('small', { kind: 'fault', fault: 'slow', ms: 400 });
    await sleep(100);
    m.invalidateCache('small', 'hook');
    const stats = await slow;
    expect(stats.bugs).toBe(12);
    // The next request is served by a new worker; the old one is gone once drained.
    expect((await m.call('small', listAll)).total).toBe(12);
    await sleep(50);
    expect(m.workerThreads()).toBe(2); // the new one and a spare
  });

  it('a request that starts after an invalidation never gets the build that invalidation interrupted', async () => {
    const path = `${reposDir}/midbuild.git`;
    const { author, ids } = smallRepo(path, 4);
    const m = manager();
    const before = m.call('midbuild', listAll); // the build starts now
    // The push lands while the first build runs.
    git(path, ['update-ref', '-d', `refs/bugs/${ids[0]}`]);
    writeBug(path, author, [[ops.create('pushed during the build')]]);
    m.invalidateCache('midbuild', 'hook');
    const after = await m.call('midbuild', listAll);
    expect(after.total).toBe(4);
    expect(after.bugs.map((b) => b.title)).toContain('pushed during the build');
    expect(after.bugs.map((b) => b.id)).not.toContain(ids[0]);
    // The earlier request started before the push: either state is a correct answer for it.
    expect([4, 5]).toContain((await before).total);
    expect(await metric(m, 'bugserve_cache_opens_total')).toBe(2);
    await sleep(50);
    expect(m.workerThreads()).toBe(2); // the current one and a spare
  });

  it('keeps answering while pushes land faster than a build', async () => {
    const path = `${reposDir}/busy.git`;
    const { author } = smallRepo(path, 2);
    const m = manager();
    let pushed = 0;
    const answers: Promise<number>[] = [];
    for (let i = 0; i < 8; i++) {
      answers.push(m.call('busy', listAll).then((r) => r.total));
      writeBug(path, author, [[ops.create(`rapid ${i}`)]]);
      pushed++;
      m.invalidateCache('busy', 'hook');
    }
    const totals = await Promise.all(answers);
    // Each answer is at least as new as the state when its request started.
    totals.forEach((t, i) => expect(t).toBeGreaterThanOrEqual(2 + i));
    expect((await m.call('busy', listAll)).total).toBe(2 + pushed);
  });

  it('closes idle workers, and a request racing the idle timer still succeeds', async () => {
    const m = manager({ idleTimeoutMs: 40 });
    for (let i = 0; i < 25; i++) {
      const r = await m.call('small', listAll);
      expect(r.total).toBe(12);
      await sleep(Math.floor(Math.random() * 80));
    }
    await sleep(150);
    expect(await metric(m, 'bugserve_cache_idle_closes_total')).toBeGreaterThan(0);
    expect(m.warmRepositories()).toEqual([]);
    expect(m.workerThreads()).toBe(0);
  });

  it('never lets the idle timer close a worker that is answering', async () => {
    const m = manager({ idleTimeoutMs: 50 });
    const stats = await m.call('small', { kind: 'fault', fault: 'slow', ms: 300 });
    expect(stats.bugs).toBe(12);
    expect(await metric(m, 'bugserve_cache_idle_closes_total')).toBe(0);
  });

  it('close() lets calls in flight finish, then no worker thread is alive', async () => {
    const m = manager();
    await m.call('small', listAll);
    await m.call('third', listAll);
    const slow = m.call('small', { kind: 'fault', fault: 'slow', ms: 300 });
    await sleep(50);
    const closing = m.close();
    await expect(m.call('third', listAll)).rejects.toBeInstanceOf(UnavailableError);
    expect((await slow).bugs).toBe(12);
    await closing;
    expect(m.workerThreads()).toBe(0);
    expect(await metric(m, 'bugserve_cache_workers')).toBe(0);
  });

  it('holds --max-workers under simultaneous first requests: opens wait, none overruns', async () => {
    const m = manager({ maxWorkers: 1 });
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, m.workerThreads())), 1);
    const replies = await Promise.all(['small', 'third', 'group/other', 'small', 'third'].map((r) => m.call(r, listAll)));
    clearInterval(sampler);
    expect(replies.map((r) => r.total)).toEqual([12, 2, 3, 12, 2]);
    expect(Math.max(peak, m.workerThreads())).toBe(1);
  });

  it('refuses opens beyond its queue with UnavailableError, and serves them later', async () => {
    const m = manager({ maxWorkers: 1, openQueue: 1 });
    const results = await Promise.allSettled(['small', 'third', 'group/other'].map((r) => m.call(r, listAll)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(UnavailableError);
    expect((await m.call('group/other', listAll)).total).toBe(3);
  });

  it('keeps within --max-workers by closing the least recently used worker', async () => {
    const m = manager({ maxWorkers: 2 });
    await m.call('small', listAll);
    await m.call('third', listAll);
    await m.call('small', listAll); // third is now the least recently used
    await m.call('group/other', listAll);
    expect(m.warmRepositories().sort()).toEqual(['group/other', 'small']);
    expect(await metric(m, 'bugserve_cache_evictions_total')).toBe(1);
    await sleep(50);
    expect(m.workerThreads()).toBe(2);
  });
});

describe('the prewarmed spare', () => {
  it('an open after the first takes a thread already started, and another spare follows', async () => {
    const m = manager();
    await m.call('small', listAll);
    expect(await metric(m, 'bugserve_cache_spare_opens_total')).toBe(0);
    expect((await m.call('third', listAll)).total).toBe(2);
    expect(await metric(m, 'bugserve_cache_spare_opens_total')).toBe(1);
    expect(m.warmRepositories().sort()).toEqual(['small', 'third']);
    // Both repositories' threads and the next spare: live threads, counted and bounded.
    expect(m.workerThreads()).toBe(3);
    expect(await metric(m, 'bugserve_cache_workers')).toBe(3);
    // A reopen after a push takes it too, and sees the push.
    const path = `${reposDir}/reopen.git`;
    const { author } = smallRepo(path, 1);
    expect((await m.call('reopen', listAll)).total).toBe(1);
    writeBug(path, author, [[ops.create('pushed')]]);
    m.invalidateCache('reopen', 'hook');
    expect((await m.call('reopen', listAll)).total).toBe(2);
    expect(await metric(m, 'bugserve_cache_spare_opens_total')).toBe(3);
    expect(await metric(m, 'bugserve_cache_opens_total')).toBe(4);
  });

  it('refresh ahead after a push starts on the spare', async () => {
    const path = `${reposDir}/ahead.git`;
    const { author } = smallRepo(path, 2);
    const m = manager({ indexDir: `${tmp.path}/cache-ahead` });
    await m.call('ahead', listAll);
    writeBug(path, author, [[ops.create('pushed')]]);
    m.invalidateCache('ahead', 'hook');
    expect(await metric(m, 'bugserve_cache_spare_opens_total')).toBe(1);
    expect((await m.call('ahead', listAll)).total).toBe(3);
    expect(await metric(m, 'bugserve_cache_opens_total')).toBe(2);
  });

  it('holds --max-workers under a flood of first requests with a spare alive', async () => {
    const names = Array.from({ length: 5 }, (_, i) => `flood/r${i}`);
    names.forEach((name, i) => smallRepo(`${reposDir}/${name}.git`, i + 1));
    const m = manager({ maxWorkers: 3 });
    await m.call('small', listAll);
    expect(m.workerThreads()).toBe(2);
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, m.workerThreads())), 1);
    const replies = await Promise.all([...names, ...names].map((name) => m.call(name, listAll)));
    clearInterval(sampler);
    expect(replies.map((r) => r.total)).toEqual([1, 2, 3, 4, 5, 1, 2, 3, 4, 5]);
    expect(Math.max(peak, m.workerThreads())).toBeLessThanOrEqual(3);
    expect(await metric(m, 'bugserve_cache_spare_opens_total')).toBeGreaterThanOrEqual(1);
  });

  it('makes no spare when --max-workers leaves no room for one', async () => {
    const m = manager({ maxWorkers: 1 });
    await m.call('small', listAll);
    await m.call('third', listAll);
    await sleep(100);
    expect(m.workerThreads()).toBe(1);
    expect(await metric(m, 'bugserve_cache_spare_opens_total')).toBe(0);
  });

  it('is kept while repositories are used, and gone with them after the idle timeout', async () => {
    const m = manager({ idleTimeoutMs: 300 });
    await m.call('small', listAll);
    // Used for longer than the idle timeout: the spare stays for the next open.
    for (let i = 0; i < 10; i++) {
      await m.call('small', listAll);
      await sleep(50);
    }
    expect(m.workerThreads()).toBe(2);
    await m.call('third', listAll);
    expect(await metric(m, 'bugserve_cache_spare_opens_total')).toBe(1);
    // Nothing used for the idle timeout: no thread at all.
    await until(async () => m.workerThreads() === 0 && (await metric(m, 'bugserve_cache_workers')) === 0);
    expect(m.warmRepositories()).toEqual([]);
    expect(await metric(m, 'bugserve_cache_idle_closes_total')).toBe(2);
  });

  it('close() stops the spare too', async () => {
    const m = manager();
    await m.call('small', listAll);
    expect(m.workerThreads()).toBe(2);
    await m.close();
    expect(m.workerThreads()).toBe(0);
    expect(await metric(m, 'bugserve_cache_workers')).toBe(0);
  });

  it('a spare that dies is dropped, the next open starts cold and works, and a new spare follows', async () => {
    const m = manager();
    await m.call('small', listAll);
    expect(await m.crashSpare()).toBe(true);
    await until(() => m.workerThreads() === 1);
    expect(await metric(m, 'bugserve_cache_worker_failures_total')).toBe(1);
    await sleep(100);
    expect(m.workerThreads()).toBe(1); // not started again until an open needs one
    expect((await m.call('third', listAll)).total).toBe(2);
    expect(await metric(m, 'bugserve_cache_spare_opens_total')).toBe(0);
    expect(m.workerThreads()).toBe(3);
    expect((await m.call('group/other', listAll)).total).toBe(3);
    expect(await metric(m, 'bugserve_cache_spare_opens_total')).toBe(1);
  });
});

describe('failing workers', () => {
  it('fails the requests of a crashed worker clearly, and the next request starts a new one', async () => {
    const m = manager();
    await m.call('small', listAll);
    await expect(m.call('small', { kind: 'fault', fault: 'crash', ms: 1000 })).rejects.toBeInstanceOf(WorkerFailedError);
    expect(await metric(m, 'bugserve_cache_worker_failures_total')).toBe(1);
    expect((await m.call('small', listAll)).total).toBe(12);
    expect((await m.call('third', listAll)).total).toBe(2);
  });

  it('contains a worker that runs out of memory', async () => {
    const m = manager({ workerHeapMb: 64 });
    const err = await m.call('small', { kind: 'fault', fault: 'oom' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerFailedError);
    expect((err as Error).message).toMatch(/out of memory/);
    expect((await m.call('small', listAll)).total).toBe(12);
  });
  it('fails a build that does not finish in time instead of holding requests', async () => {
    const m = manager({ buildTimeoutMs: 1 });
    const err = await m.call('small', listAll).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerFailedError);
    expect((err as Error).message).toMatch(/did not finish within/);
    await sleep(100);
    expect(m.workerThreads()).toBe(0);
  });
});

describe('per-request mode', () => {
  it('builds, answers and discards on every request', async () => {
    const m = manager({ mode: 'per-request' });
    for (let i = 0; i < 3; i++) expect((await m.call('small', listAll)).total).toBe(12);
    expect(await metric(m, 'bugserve_cache_opens_total')).toBe(3);
    expect(await metric(m, 'bugserve_cache_spare_opens_total')).toBe(0);
    await sleep(50);
    expect(m.workerThreads()).toBe(0);
  });
});

describe('the corpus through a worker', () => {
  it('lists, counts and finds bugs', async () => {
    loadCorpus(`${reposDir}/git-bug.git`);
    const m = manager();
    const all = await m.call('git-bug', listAll);
    expect(all.total).toBe(CORPUS_BUGS);
    expect(all.open + all.closed).toBe(CORPUS_BUGS);
    const open = await m.call('git-bug', { kind: 'list', q: undefined, page: 1, perPage: 25 });
    expect(open.total).toBe(135);
    expect(open.bugs).toHaveLength(25);
    expect(open.bugs.every((b) => b.status === 'open')).toBe(true);
    const bug = await m.call('git-bug', { kind: 'bug', prefix: '01280d5' });
    expect(bug.id).toMatch(/^01280d5[0-9a-f]{57}$/);
    const parsed = bugOf(bug);
    expect(parsed.id).toBe(bug.id);
    expect(parsed.title).toBe('Gitlab importation - unhandled note type');
    const stats = await m.call('git-bug', { kind: 'stats' });
    expect(stats).toMatchObject({ bugs: CORPUS_BUGS, damaged: 0 });
  });
});

describe('memory after a first build', () => {
  it("lets go of the compiled bugs once the index is written: the worker's heap is then about a reopened worker's", async () => {
    loadCorpus(`${reposDir}/heap.git`);
    const indexDir = `${tmp.path}/cache-heap`;
    const first = manager({ indexDir });
    await first.call('heap', { kind: 'open' });
    await first.settled('heap');
    const afterWrite = (await first.call('heap', { kind: 'stats' })).heapUsedBytes;
    await first.close();
    const reopened = manager({ indexDir });
    expect(await reopened.call('heap', { kind: 'open' })).toMatchObject({ kind: 'incremental', bugs: CORPUS_BUGS });
    await reopened.settled('heap');
    const fromIndex = (await reopened.call('heap', { kind: 'stats' })).heapUsedBytes;
    // Without the collection, the compiled corpus stayed: ~55 MB against ~10 MB.
    expect(afterWrite).toBeLessThan(2 * fromIndex + 4e6);
  });
});

describe('stress', () => {
  it('many clients, random pushes and invalidations, short idle timeout: no failure, nothing stale', async () => {
    const names = ['stress/a', 'stress/b', 'stress/c'];
    const authors = new Map<string, string>();
    // What a request must at least see: the bug count as of the last invalidation
    // that had returned before the request started.
    const committed = new Map<string, number>();
    for (const name of names) {
      const path = `${reposDir}/${name}.git`;
      authors.set(name, smallRepo(path, 3).author);
      committed.set(name, 3);
    }
    const m = manager({ idleTimeoutMs: 30, maxWorkers: 2 });
    const deadline = Date.now() + 6_000;
    let requests = 0;
    const failures: unknown[] = [];
    const stale: string[] = [];

    const client = async () => {
      while (Date.now() < deadline) {
        const name = names[Math.floor(Math.random() * names.length)];
        const floor = committed.get(name)!;
        try {
          const r = await m.call(name, listAll);
          if (r.total < floor) stale.push(`${name}: saw ${r.total}, expected >= ${floor}`);
        } catch (err) {
          failures.push(err);
        }
        requests++;
        await sleep(Math.random() * 15);
      }
    };
    const pusher = async () => {
      let n = 0;
      while (Date.now() < deadline - 500) {
        const name = names[n++ % names.length];
        writeBug(`${reposDir}/${name}.git`, authors.get(name)!, [[ops.create(`pushed ${n}`)]]);
        if (Math.random() < 0.7) m.invalidateCache(name, 'hook');
        // Without a hook call the ref stamp must catch the change.
        committed.set(name, committed.get(name)! + 1);
        await sleep(40 + Math.random() * 120);
      }
    };
    await Promise.all([pusher(), ...Array.from({ length: 12 }, client)]);
    await m.close();

    expect(failures).toEqual([]);
    expect(stale).toEqual([]);
    // The run really interleaved: many answers, many rebuilds (counts depend on the machine's load).
    expect(requests).toBeGreaterThan(24);
    expect(await metric(m, 'bugserve_cache_opens_total')).toBeGreaterThan(3);
    expect(m.workerThreads()).toBe(0);
  }, 30_000);
});

it('an identity can be looked up by prefix', async () => {
  const m = manager();
  const path = `${reposDir}/people.git`;
  const { author } = smallRepo(path, 1);
  const other = writeIdentity(path, { login: 'grace' });
  expect((await m.call('people', { kind: 'identity', prefix: author.slice(0, 8) })).displayName).toBe('Ada Lovelace');
  expect((await m.call('people', { kind: 'identity', prefix: other })).displayName).toBe('grace');
});
