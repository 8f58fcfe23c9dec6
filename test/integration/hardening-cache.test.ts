// Issue 9, items 1, 2 and 5: no request without a token can exhaust the
// server's memory (every spelling of an id is one cached reply), stall it with
// Markdown (rendered in worker threads, bounded per page) or start more worker
// threads than --max-workers (opens wait in a bounded queue, then 503).
// Real repositories, real worker threads, a real server on loopback.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app.js';
import { ensureBuilt } from '../helpers/build.js';
import { initBare, ops, smallRepo, tempDir, writeBug, writeIdentity } from '../helpers/git-bug-writer.js';
import { metric, request, spawnServer, type ChildServer } from '../helpers/server.js';
import { commitReadme, start } from './web-fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls /-/healthz every `everyMs` until stopped; each must answer 200 within `withinMs` (liveness, not speed). */
function watchHealth(base: string, everyMs = 100, withinMs = 3_000) {
  let stop = false;
  const failures: string[] = [];
  let answered = 0;
  const loop = (async () => {
    while (!stop) {
      try {
        const r = await request(base, '/-/healthz', { timeoutMs: withinMs });
        if (r.status === 200) answered++;
        else failures.push(`status ${r.status}`);
      } catch (err) {
        failures.push((err as Error).message);
      }
      await sleep(everyMs);
    }
  })();
  return {
    async done() {
      stop = true;
      await loop;
      return { answered, failures };
    },
  };
}

/** Runs `tasks` with at most `limit` at a time. */
async function pool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]();
      }
    }),
  );
  return out;
}

/** Spellings of one id: every length from 4, in lower, upper and mixed case. */
function spellings(id: string): string[] {
  const out: string[] = [];
  for (let n = 4; n <= id.length; n++) {
    const p = id.slice(0, n);
    out.push(p, p.toUpperCase(), [...p].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join(''));
  }
  return [...new Set(out)];
}

describe('many spellings of one large bug id (item 1)', () => {
  const tmp = tempDir('bugserve-spell-');
  let server: ChildServer;
  let id: string;

  beforeAll(async () => {
    ensureBuilt();
    const repo = initBare(`${tmp.path}/repos/big.git`);
    const author = writeIdentity(repo, { name: 'Big', login: 'big' });
    // A 5 MB comment: about 30 MB per cached reply and page in the old design.
    const text = 'lorem ipsum dolor sit amet '.repeat(200_000);
    id = writeBug(repo, author, [[ops.create('a large bug', text)], [ops.comment('and a short reply')]]).id;
    // A main heap far below what one kept copy per spelling needs (~180 spellings × 30 MB).
    server = await spawnServer({ dataDir: tmp.path, pushToken: '', env: { NODE_OPTIONS: '--max-old-space-size=600' } });
  }, 120_000);
  afterAll(async () => {
    await server?.kill();
    tmp.remove();
  });

  it('keeps the heap bounded and /-/healthz answering through the whole flood', async () => {
    const all = spellings(id);
    expect(all.length).toBeGreaterThan(150);
    const health = watchHealth(server.url);
    const statuses = await pool(
      4,
      all.flatMap((s) => [
        () => request(server.url, `/api/v1/repos/big/bugs/${s}`, { timeoutMs: 60_000 }).then((r) => r.status),
        () => request(server.url, `/big/bugs/${s}`, { timeoutMs: 60_000 }).then((r) => r.status),
      ]),
    );
    const { answered, failures } = await health.done();
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(0);
    expect(server.child.exitCode).toBeNull();
    // Every spelling answered from one kept copy: the heap stays near one bug's worth.
    const heap = await metric(server.url, 'nodejs_heap_size_used_bytes');
    expect(heap).toBeLessThan(400 * 1024 * 1024);
    // The page is the same bug whatever the spelling.
    const page = await request(server.url, `/big/bugs/${id.slice(0, 9).toUpperCase()}`);
    expect(page.body).toContain('a large bug');
    expect(page.body).toContain('and a short reply');
  }, 300_000);
});

describe('hostile Markdown (item 2)', () => {
  const tmp = tempDir('bugserve-md-');
  // Its own process: an event loop blocked by rendering would also hold up
  // this suite's own health checks if the server shared it.
  let server: ChildServer;
  let hostile: string;
  let linking: string;
  let other: string;

  beforeAll(async () => {
    const repo = initBare(`${tmp.path}/repos/md.git`);
    const author = writeIdentity(repo, { name: 'Md', login: 'md' });
    // Ten different 200 KB comments: seconds of markdown-it each.
    const heavy = (i: number) => `${i} ` + '!['.repeat(100_000);
    hostile = writeBug(repo, author, [[ops.create('heavy', heavy(0))], Array.from({ length: 9 }, (_, i) => ops.comment(heavy(i + 1)))]).id;
    other = writeBug(repo, author, [[ops.create('other', 'plain')]]).id;
    const commit = '0123456789abcdef0123456789abcdef01234567';
    linking = writeBug(repo, author, [[ops.create('links', `dup of ${other}, fixed by ${commit}; \`${other}\``)]]).id;
    commitReadme(repo, '!['.repeat(100_000));
    ensureBuilt();
    server = await spawnServer({ dataDir: tmp.path, pushToken: '', args: ['--max-workers', '2'] });
  }, 120_000);
  afterAll(async () => {
    await server?.kill();
    tmp.remove();
  });

  it('renders the hostile bug and README pages while /-/healthz keeps answering', async () => {
    const health = watchHealth(server.url, 50, 2_000);
    // A 503 "still being rendered" (Retry-After) is what a busy machine may say first; the render goes on.
    const page = async (p: string) => {
      for (let tries = 0; ; tries++) {
        const r = await request(server.url, p, { timeoutMs: 60_000 });
        if (r.status !== 503 || tries === 10) return r;
        expect(r.headers['retry-after']).toBe('1');
        await sleep(1_000);
      }
    };
    const [bug, readme, again] = await Promise.all([page(`/md/bugs/${hostile}`), page('/md'), page(`/md/bugs/${hostile.slice(0, 8)}`)]);
    const { answered, failures } = await health.done();
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(0);
    for (const r of [bug, readme, again]) expect(r.status, r.body.slice(0, 300)).toBe(200);
    // Past the page's Markdown budget the rest is plain, escaped, and says so.
    // (includes(): a failure must not print megabytes of page)
    const note = 'Shown as plain text: this page has more Markdown than bugserve renders at once.';
    expect(bug.body.split(note).length - 1).toBe(9);
    expect(bug.body.match(/<pre class="plain">\d+ !\[!\[/g)?.length).toBe(9);
    expect(bug.body.includes('<div class="markdown"><p>0 ![![')).toBe(true);
    expect(readme.body.includes('<div class="markdown"><p>![![')).toBe(true);
  }, 120_000);

  it('renders each page once: repeated views answer from the kept HTML', async () => {
    // Not a timing assertion: a second view must not need the render pool at all,
    // so it answers even with every render thread busy on another heavy page.
    const first = await request(server.url, `/md/bugs/${hostile}`);
    const second = await request(server.url, `/md/bugs/${hostile.slice(0, 12)}`);
    expect(first.status).toBe(200);
    expect(second.body === first.body).toBe(true);
  });

  it('a new README commit shows at once (the kept README is keyed by the commit)', async () => {
    const before = await request(server.url, '/md');
    expect(before.body.includes('<p>![![')).toBe(true);
    commitReadme(`${tmp.path}/repos/md.git`, '# Fresh readme\n');
    const after = await request(server.url, '/md');
    expect(after.body).toContain('>Fresh readme</h2>'); // headings one level down: the page's h1 is the repository
  });

  it('links full bug ids and commit hashes in comments, not in code', async () => {
    const r = await request(server.url, `/md/bugs/${linking}`);
    expect(r.status).toBe(200);
    expect(r.body).toContain(`<a href="/md/bugs/${other}"`);
    expect(r.body).toContain('<a href="/md/commit/0123456789abcdef0123456789abcdef01234567"');
    expect(r.body).toContain(`<code>${other}</code>`);
    const target = await request(server.url, `/md/bugs/${other}`);
    expect(target.status).toBe(200);
  });
});

describe('--max-workers under concurrency (item 5)', () => {
  const tmp = tempDir('bugserve-workers-');
  const MAX = 2;
  const REPOS = 4 * MAX;

  beforeAll(() => {
    for (let i = 0; i < REPOS; i++) smallRepo(`${tmp.path}/repos/r${i}.git`, 3);
  });
  afterAll(() => tmp.remove());

  async function flood(server: RunningServer, perRepo: number) {
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, server.cache.workerThreads())), 2);
    const replies = await Promise.all(
      Array.from({ length: REPOS * perRepo }, (_, i) => request(server.url, `/api/v1/repos/r${i % REPOS}/bugs?q=`, { timeoutMs: 60_000 })),
    );
    clearInterval(sampler);
    peak = Math.max(peak, server.cache.workerThreads());
    return { peak, replies };
  }

  it('never runs more worker threads than the bound; every request is answered', async () => {
    const server = await start(tmp.path, { maxWorkers: MAX });
    try {
      const { peak, replies } = await flood(server, 2);
      expect(peak).toBeLessThanOrEqual(MAX);
      expect(peak).toBeGreaterThan(0);
      for (const r of replies) expect(r.status, r.body.slice(0, 200)).toBe(200);
      expect(replies.map((r) => JSON.parse(r.body).total)).toEqual(replies.map(() => 3));
    } finally {
      await server.close();
    }
  }, 120_000);

  it('beyond the queue, a clear 503 with Retry-After; the rest succeed and none hangs', async () => {
    const server = await start(tmp.path, { maxWorkers: MAX, cache: { openQueue: 2 } });
    try {
      const { peak, replies } = await flood(server, 1);
      expect(peak).toBeLessThanOrEqual(MAX);
      const refused = replies.filter((r) => r.status === 503);
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) {
        expect(r.headers['retry-after']).toBe('1');
        expect(JSON.parse(r.body).error.message).toMatch(/try again/);
      }
      expect(replies.filter((r) => r.status !== 503).every((r) => r.status === 200)).toBe(true);
      expect(replies.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(MAX);
      // The refused repositories open once the flood is over.
      const later = await request(server.url, `/api/v1/repos/r${REPOS - 1}/bugs?q=`);
      expect(later.status).toBe(200);
    } finally {
      await server.close();
    }
  }, 120_000);
});
