// The spare rehearses an open of the repository last built (so that an open
// after a push runs compiled code): on real repositories, real worker
// threads and real index files. What must hold is what a user could notice:
// the rehearsal changes nothing on disk, the spare then serves any
// repository correctly, and a push is seen.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitBugCacheManager } from '../../src/cache/manager.js';
import { bugOf, fromWireReply } from '../../src/cache/protocol.js';
import { indexFileFor } from '../../src/index/index-file.js';
import { compiledFromScratch } from '../helpers/bug-index.js';
import { git, nextClock, ops, smallRepo, tempDir, updateRef, writePack } from '../helpers/git-bug-writer.js';

const tmp = tempDir('bugserve-rehearsal-');
const reposDir = join(tmp.path, 'repos');
const indexDir = join(tmp.path, 'cache');
let a: { author: string; ids: string[] };

/** Every bug of the repository at `path`, listed as a from-scratch compile lists them. */
async function listFromScratch(path: string) {
  return fromWireReply('list', (await compiledFromScratch(path)).list({ q: '', page: 1, perPage: 100 }));
}

beforeAll(() => {
  a = smallRepo(join(reposDir, 'a.git'), 30, (i) => `a bug ${i}`);
  smallRepo(join(reposDir, 'b.git'), 20, (i) => `b bug ${i}`);
}, 60_000);

afterAll(() => tmp.remove());

/** The index file's bytes, WAL included, as one digest. */
function indexDigest(name: string): string {
  const file = indexFileFor(indexDir, name);
  const hash = createHash('sha256');
  for (const f of [file, `${file}-wal`]) if (existsSync(f)) hash.update(readFileSync(f));
  return hash.digest('hex');
}

async function waitFor(what: string, cond: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the spare rehearses an open', () => {
  it('of the repository just built, changing nothing; then serves another repository, and a push is seen', async () => {
    const logged: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(line) });
    // These repositories are small: rehearse them anyway (by default only from 1,000 bugs).
    const m = new GitBugCacheManager({ reposDir, indexDir, registry: new Registry(), logger, rehearseMinBugs: 1 });
    const rehearsals = () => logged.map((l) => JSON.parse(l) as { msg: string; repo?: string }).filter((l) => l.msg === 'spare rehearsed');
    try {
      await m.call('a', { kind: 'list', q: '', page: 1, perPage: 100 });
      await m.settled('a');
      const before = indexDigest('a');
      await waitFor('the spare to rehearse', () => rehearsals().length > 0);
      expect(rehearsals().map((r) => r.repo)).toEqual(['a']);
      expect(indexDigest('a'), 'the rehearsal wrote nothing').toBe(before);

      // The rehearsed spare takes another repository: it answers for that one.
      const all = { kind: 'list', q: '', page: 1, perPage: 100 } as const;
      const b = await m.call('b', all);
      expect(JSON.stringify(b)).toBe(JSON.stringify(await listFromScratch(join(reposDir, 'b.git'))));
      const spareOpens = (await m.registry.getMetricsAsJSON()).find((x) => x.name === 'bugserve_cache_spare_opens_total');
      expect(spareOpens?.values[0]?.value).toBe(1);
      await m.settled('b');
      expect(indexDigest('a')).toBe(before);

      // A push to the rehearsed repository: the next answer has it.
      const path = join(reposDir, 'a.git');
      const id = a.ids[0];
      const head = git(path, ['rev-parse', `refs/bugs/${id}`]);
      updateRef(
        path,
        `refs/bugs/${id}`,
        writePack(path, { author: a.author, ops: [ops.comment('after the rehearsal')], editClock: nextClock(), parents: [head] }),
      );
      const page = bugOf(await m.call('a', { kind: 'bug', prefix: id }));
      expect(page.comments.map((c) => c.message)).toContain('after the rehearsal');
      expect(JSON.stringify(await m.call('a', all))).toBe(JSON.stringify(await listFromScratch(path)));
    } finally {
      await m.close();
    }
  }, 60_000);

  it('opens the repository it rehearsed from what it read ahead only while that holds: after a push, and after the index file was deleted', async () => {
    const path = join(reposDir, 'c.git');
    const c = smallRepo(path, 25, (i) => `c bug ${i}`);
    const cacheDir = join(tmp.path, 'cache-c');
    const file = indexFileFor(cacheDir, 'c');
    const logged: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(line) });
    const m = new GitBugCacheManager({ reposDir, indexDir: cacheDir, registry: new Registry(), logger, rehearseMinBugs: 1 });
    const lines = () => logged.map((l) => JSON.parse(l) as { msg: string; repo?: string; kind?: string; refreshed?: number });
    const rehearsals = () => lines().filter((l) => l.msg === 'spare rehearsed').length;
    const builds = () => lines().filter((l) => l.msg === 'cache built');
    const all = { kind: 'list', q: '', page: 1, perPage: 100 } as const;
    const comment = (id: string, message: string) => {
      const head = git(path, ['rev-parse', `refs/bugs/${id}`]);
      updateRef(
        path,
        `refs/bugs/${id}`,
        writePack(path, { author: c.author, ops: [ops.comment(message)], editClock: nextClock(), parents: [head] }),
      );
    };
    const seen = async (id: string, message: string) => {
      const page = bugOf(await m.call('c', { kind: 'bug', prefix: id }));
      expect(page.comments.map((x) => x.message)).toContain(message);
      expect(JSON.stringify(await m.call('c', all))).toBe(JSON.stringify(await listFromScratch(path)));
    };
    try {
      await m.call('c', all);
      await m.settled('c');
      await waitFor('the spare to rehearse', () => rehearsals() === 1);

      // A push: the rehearsed spare opens it, compiling the one bug that moved.
      comment(c.ids[3], 'first push');
      await seen(c.ids[3], 'first push');
      expect(builds().at(-1)).toMatchObject({ repo: 'c', kind: 'incremental', refreshed: 1 });

      // The index file goes after the next rehearsal: what the spare read of it
      // no longer holds, and the open makes a new file rather than write to the gone one.
      await m.settled('c');
      await waitFor('the spare to rehearse again', () => rehearsals() === 2);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
      comment(c.ids[7], 'second push');
      await seen(c.ids[7], 'second push');
      expect(builds().at(-1)).toMatchObject({ repo: 'c', kind: 'full' });
      await m.settled('c');
      expect(existsSync(file), 'the index is written again').toBe(true);
    } finally {
      await m.close();
    }
  }, 60_000);

  it('not of a repository below rehearseMinBugs (a cold open of it is cheap)', async () => {
    const logged: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(line) });
    const m = new GitBugCacheManager({ reposDir, indexDir: join(tmp.path, 'cache-small'), registry: new Registry(), logger });
    try {
      await m.call('b', { kind: 'list', q: '', page: 1, perPage: 10 });
      await m.settled('b');
      await waitFor('the spare', () => m.workerThreads() === 2);
      expect(logged.filter((l) => (JSON.parse(l) as { msg: string }).msg === 'spare rehearsed')).toEqual([]);
    } finally {
      await m.close();
    }
  });
});
