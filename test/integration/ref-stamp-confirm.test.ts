// Ref housekeeping through the manager, with real git and real workers: many
// loose git-bug refs are packed once a build is done, and the same worker goes
// on answering (the ref stamp changed, the refs did not); a push right after a
// build (a racy ref stamp) costs one build, not a second when the stamp
// settles; and neither the confirmation nor packing hides a real ref change.

import { execFile } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitBugCacheManager, type CacheOptions } from '../../src/cache/manager.js';
import { fromWireReply, type BugJson, type ListReply } from '../../src/cache/protocol.js';
import type { RepoView } from '../../src/cache/repo-index.js';
import { LOOSE_REFS_TO_PACK } from '../../src/git/pack-refs.js';
import { isRacy, refStamp } from '../../src/git/ref-stamp.js';
import { compiledFromScratch } from '../helpers/bug-index.js';
import { git, ops, smallRepo, tempDir, updateRef, writePack } from '../helpers/git-bug-writer.js';

const execFileAsync = promisify(execFile);

const tmp = tempDir('bugserve-ref-stamp-');
const reposDir = join(tmp.path, 'repos');
const templates = join(tmp.path, 'templates');
/** More loose refs than the manager packs at (the identity adds one more). */
const MANY = LOOSE_REFS_TO_PACK + 20;
const FEW = 12;
let many: { author: string; ids: string[] };
let few: { author: string; ids: string[] };
let copies = 0;

beforeAll(() => {
  many = smallRepo(join(templates, 'many.git'), MANY);
  few = smallRepo(join(templates, 'few.git'), FEW);
}, 120_000);

afterAll(() => tmp.remove());

/** A fresh copy of a template repository under reposDir (its refs stay loose files); returns its name and path. */
function copyOf(template: 'many' | 'few'): { name: string; path: string } {
  const name = `${template}-${++copies}`;
  const path = join(reposDir, `${name}.git`);
  cpSync(join(templates, `${template}.git`), path, { recursive: true });
  return { name, path };
}

interface Harness {
  m: GitBugCacheManager;
  logged: string[];
  /** log lines whose message is `msg` */
  lines(msg: string): string[];
}

function manager(options: Partial<CacheOptions> = {}): Harness {
  const logged: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(line) });
  const m = new GitBugCacheManager({ reposDir, registry: new Registry(), logger, ...options });
  return { m, logged, lines: (msg) => logged.filter((l) => (JSON.parse(l) as { msg: string }).msg === msg) };
}

/** Builds finished so far, full and incremental. */
async function builds(m: GitBugCacheManager): Promise<number> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === 'bugserve_cache_build_seconds');
  const values = (metric?.values ?? []) as { metricName?: string; value: number }[];
  return values.filter((v) => v.metricName === 'bugserve_cache_build_seconds_count').reduce((n, v) => n + v.value, 0);
}

async function waitFor(what: string, cond: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Loose ref files in the repository's git-bug folders. */
function looseRefs(path: string): string[] {
  return ['refs/bugs', 'refs/identities'].flatMap((dir) =>
    existsSync(join(path, dir))
      ? readdirSync(join(path, dir))
          .filter((f) => !f.endsWith('.lock'))
          .map((f) => `${dir}/${f}`)
      : [],
  );
}

/** Refs the packed-refs file holds (none without one). */
function packedRefs(path: string): Map<string, string> {
  const file = join(path, 'packed-refs');
  const refs = new Map<string, string>();
  if (!existsSync(file)) return refs;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line || line.startsWith('#') || line.startsWith('^')) continue;
    const [oid, ref] = line.split(' ');
    refs.set(ref, oid);
  }
  return refs;
}

/** Every git-bug ref and its head, as git lists them. */
function gitBugRefs(path: string): Map<string, string> {
  const out = git(path, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/bugs/', 'refs/identities/']);
  return new Map(out.split('\n').map((l) => l.split(' ') as [string, string]));
}

const text = (page: BugJson) => Buffer.from(page.json).toString('utf8');
const everything = { kind: 'list', q: '', page: 1, perPage: 1000 } as const;

/** What a visitor sees of a repository through the manager: the full list and some bug pages. */
async function seen(m: GitBugCacheManager, name: string, ids: string[]): Promise<string> {
  const list = await m.call(name, everything);
  const pages = await Promise.all(ids.map((id) => m.call(name, { kind: 'bug', prefix: id })));
  return JSON.stringify({ list, pages: pages.map(text) });
}

/** The same, from a from-scratch compile of the repository as it is now. */
function truthOf(view: RepoView, ids: string[]): { list: ListReply; pages: string[] } {
  return { list: fromWireReply('list', view.list(everything)), pages: ids.map((id) => JSON.stringify(view.bug(id))) };
}

/** Adds a comment to a bug without the hook, as a fetch or git-bug on the server would; the ref write is what a request can see. */
function comment(path: string, author: string, id: string, message: string): void {
  updateRef(path, `refs/bugs/${id}`, commentCommit(path, author, id, message));
}

/** The commit that adds a comment on top of a bug's head (its ref is left alone). */
function commentCommit(path: string, author: string, id: string, message: string): string {
  const head = git(path, ['rev-parse', `refs/bugs/${id}`]);
  const clock = Number(/edit-clock-(\d+)/.exec(git(path, ['ls-tree', '--name-only', head]))![1]);
  return writePack(path, { author, ops: [ops.comment(message)], editClock: clock + 1, parents: [head] });
}

async function lastComment(m: GitBugCacheManager, name: string, id: string): Promise<string | undefined> {
  const page = JSON.parse(text(await m.call(name, { kind: 'bug', prefix: id }))) as { comments: { message: string }[] };
  return page.comments.at(-1)?.message;
}

describe('many loose refs are packed after a build, without a rebuild', () => {
  for (const indexed of [true, false]) {
    it(`${indexed ? 'with' : 'without'} a persisted index`, async () => {
      const { name, path } = copyOf('many');
      expect(looseRefs(path).length).toBeGreaterThan(LOOSE_REFS_TO_PACK);
      const refsBefore = gitBugRefs(path);
      expect(refsBefore.size).toBe(MANY + 1);
      const h = manager({ replyCache: false, ...(indexed ? { indexDir: join(tmp.path, `cache-${name}`) } : {}) });
      try {
        const ids = many.ids.slice(0, 20);
        const before = await seen(h.m, name, ids);
        await h.m.indexWritten(name);
        await waitFor('refs packed', () => h.lines('refs packed').length > 0);
        expect(h.lines('refs packed')).toHaveLength(1);

        // Stored in one file now, with the same values.
        expect(looseRefs(path)).toEqual([]);
        const packed = packedRefs(path);
        for (const [ref, oid] of refsBefore) expect(packed.get(ref)).toBe(oid);
        expect(gitBugRefs(path)).toEqual(refsBefore);

        // The same worker answers, the same, for a while after (the changed stamp is confirmed, not rebuilt).
        const until = Date.now() + 300;
        do expect(await seen(h.m, name, ids)).toBe(before);
        while (Date.now() < until);
        expect(await builds(h.m)).toBe(1);
        expect(h.lines('cache worker started')).toHaveLength(1);
        expect(h.lines('cache invalidated')).toEqual([]);
        expect(h.m.warmRepositories()).toEqual([name]);
      } finally {
        await h.m.close();
      }
    });
  }
});

describe('requests while refs are being packed', () => {
  it('are answered by the same worker, the same', async () => {
    const { name, path } = copyOf('many');
    const h = manager({ replyCache: false, indexDir: join(tmp.path, `cache-${name}`) });
    try {
      const ids = many.ids.slice(0, 5);
      const before = await seen(h.m, name, ids);
      // Packing starts as the index is written; ask until well after it is done.
      const written = h.m.indexWritten(name);
      let asked = 0;
      let packedAt = Infinity;
      while (Date.now() < packedAt + 200) {
        expect(await seen(h.m, name, ids)).toBe(before);
        asked++;
        if (packedAt === Infinity && h.lines('refs packed').length > 0) packedAt = Date.now();
        if (asked > 5_000) throw new Error('refs were not packed');
      }
      await written;
      expect(looseRefs(path)).toEqual([]);
      expect(await builds(h.m)).toBe(1);
      expect(h.lines('cache invalidated')).toEqual([]);
    } finally {
      await h.m.close();
    }
  });
});

describe('closing while refs are being packed', () => {
  it('waits for git: the repository is left whole and can be removed at once', async () => {
    const { name, path } = copyOf('many');
    const refsBefore = gitBugRefs(path);
    const h = manager({ indexDir: join(tmp.path, `cache-${name}`) });
    await h.m.call(name, everything);
    // Packing starts as the index is written.
    await h.m.indexWritten(name);
    await sleep(5);
    await h.m.close();
    const locks = readdirSync(path, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.lock'));
    expect(locks).toEqual([]);
    expect(gitBugRefs(path)).toEqual(refsBefore);
    // What a test's teardown or an admin deleting the repository does next: no git still writing in it.
    rmSync(path, { recursive: true });
    expect(existsSync(path)).toBe(false);
  });
});

describe('refs are left alone', () => {
  const cases = [
    { when: 'with packRefs: false', repo: 'many', options: { packRefs: false } },
    { when: 'below the threshold', repo: 'few', options: {} },
  ] as const;
  for (const c of cases) {
    it(c.when, async () => {
      const { name, path } = copyOf(c.repo);
      const loose = looseRefs(path).sort();
      if (c.repo === 'few') expect(loose).toHaveLength(FEW + 1);
      const h = manager({ ...c.options, indexDir: join(tmp.path, `cache-${name}`) });
      try {
        await h.m.call(name, everything);
        // The build, its index and whatever packing it would start are all done.
        await h.m.settled(name);
        expect(h.lines('refs packed')).toEqual([]);
        expect(looseRefs(path).sort()).toEqual(loose);
        expect(packedRefs(path).size).toBe(0);
        expect(await builds(h.m)).toBe(1);
      } finally {
        await h.m.close();
      }
    });
  }
});

describe('a change right after a build (a racy ref stamp) costs one build, not two', () => {
  for (const indexed of [true, false]) {
    it(`${indexed ? 'with' : 'without'} a persisted index`, async () => {
      const { name, path } = copyOf('few');
      // The copy is quiet before the first build: its stamp is not racy.
      await sleep(100);
      const h = manager(indexed ? { indexDir: join(tmp.path, `cache-${name}`) } : {});
      const id = few.ids[3];
      try {
        expect(await lastComment(h.m, name, id)).toBe('body of 3');
        await h.m.indexWritten(name);
        await sleep(100);
        expect(await builds(h.m)).toBe(1);

        // The condition under test: the next build starts on a stamp taken right after a ref write.
        // (On a loaded machine git may return later than the racy window: then write again.)
        let racy = false;
        for (let tries = 0; !racy && tries < 5; tries++) {
          comment(path, few.author, id, 'fetched, no hook');
          racy = isRacy(refStamp(path));
        }
        expect(racy).toBe(true);
        expect(await lastComment(h.m, name, id)).toBe('fetched, no hook');
        // Requests go on while the stamp settles and is confirmed.
        const until = Date.now() + 250;
        do expect(await lastComment(h.m, name, id)).toBe('fetched, no hook');
        while (Date.now() < until);
        await h.m.indexWritten(name);
        expect(await lastComment(h.m, name, id)).toBe('fetched, no hook');

        expect(await builds(h.m)).toBe(2);
        expect(h.lines('cache worker started')).toHaveLength(2);
        const invalidations = h.lines('cache invalidated');
        expect(invalidations).toHaveLength(1);
        expect(invalidations[0]).toContain('"reason":"refs-changed"');
      } finally {
        await h.m.close();
      }
    });
  }
});

describe('a push the hook announces right after a build costs one build, not two', () => {
  it('the refresh ahead lets the racy stamp settle before it lists the refs, and a second change meanwhile is seen', async () => {
    // The premise: the refresh ahead opens while the push's stamp is still
    // racy. A loaded machine can take longer than the racy window between
    // the push and the open; then the open lists the refs at once, and a
    // second build for the second change is right. Such an attempt starts over.
    for (let attempt = 1; ; attempt++) {
      const { name, path } = copyOf('few');
      await sleep(100);
      const h = manager({ indexDir: join(tmp.path, `cache-${name}-ahead`) });
      const [id, other] = [few.ids[4], few.ids[5]];
      try {
        expect(await lastComment(h.m, name, id)).toBe('body of 4');
        await h.m.indexWritten(name);
        await sleep(100);
        comment(path, few.author, id, 'pushed, hook told');
        expect(isRacy(refStamp(path))).toBe(true);
        // What the post-receive hook does: the warm repository is refreshed ahead.
        h.m.invalidateCache(name, 'hook');
        if (!h.lines('cache worker started')[1]?.includes('"settling":true') && attempt < 5) continue;
        expect(h.lines('cache worker started')[1]).toContain('"settling":true');
        // A second write while the replacement waits for the stamp to settle.
        comment(path, few.author, other, 'second, no hook');
        expect(await lastComment(h.m, name, id)).toBe('pushed, hook told');
        expect(await lastComment(h.m, name, other)).toBe('second, no hook');
        const until = Date.now() + 250;
        do expect(await lastComment(h.m, name, other)).toBe('second, no hook');
        while (Date.now() < until);
        await h.m.settled(name);
        expect(await builds(h.m)).toBe(2);
        expect(h.lines('cache invalidated')).toHaveLength(1);
        expect(h.lines('cache invalidated')[0]).toContain('"reason":"hook"');
        return;
      } finally {
        await h.m.close();
      }
    }
  });
});

describe('the confirmation hides no real change', () => {
  // The second change lands at several points after a build on a racy stamp:
  // during that build, while its stamp is still racy, while the worker lists
  // the refs again, after. Whenever it lands, a request made after it sees it.
  for (const indexed of [true, false]) {
    it(`a second change while a racy stamp is confirmed (${indexed ? 'with' : 'without'} a persisted index)`, async () => {
      const { name, path } = copyOf('few');
      const h = manager(indexed ? { indexDir: join(tmp.path, `cache-${name}`) } : {});
      try {
        await h.m.call(name, everything);
        await h.m.indexWritten(name);
        let round = 0;
        for (const delay of [-1, 0, 2, 5, 10, 20, 40]) {
          round++;
          const [a, b] = [few.ids[(2 * round) % FEW], few.ids[(2 * round + 1) % FEW]];
          // Written ahead so that the second ref write is quick.
          const second = commentCommit(path, few.author, b, `second ${round}`);
          comment(path, few.author, a, `first ${round}`);
          const first = lastComment(h.m, name, a);
          if (delay >= 0) {
            expect(await first).toBe(`first ${round}`);
            if (delay > 0) await sleep(delay);
          }
          await execFileAsync('git', ['--git-dir', path, 'update-ref', `refs/bugs/${b}`, second]);
          if (delay < 0) expect(await first).toBe(`first ${round}`);
          expect(await lastComment(h.m, name, b)).toBe(`second ${round}`);
          expect(await lastComment(h.m, name, a)).toBe(`first ${round}`);
        }
        // And once it has all settled, everything matches a compile from scratch.
        await sleep(100);
        const expected = truthOf(await compiledFromScratch(path), few.ids);
        expect(JSON.parse(await seen(h.m, name, few.ids))).toEqual(JSON.parse(JSON.stringify(expected)));
      } finally {
        await h.m.close();
      }
    });
  }

  it('a second change while the build on a racy stamp reads the bugs', async () => {
    // A full compile of many bugs, after its ref listing, is the window: a
    // change there is newer than the build, yet the stamp settles after it
    // (only the worker's second listing can tell). The delays spread the
    // second write over the build.
    const { name, path } = copyOf('many');
    const h = manager({ packRefs: false });
    try {
      await h.m.call(name, everything);
      for (const [round, delay] of [0, 40, 80, 120, 160].entries()) {
        const [a, b] = [many.ids[2 * round], many.ids[2 * round + 1]];
        const second = commentCommit(path, many.author, b, `second ${round}`);
        comment(path, many.author, a, `first ${round}`);
        const first = lastComment(h.m, name, a);
        await sleep(delay);
        await execFileAsync('git', ['--git-dir', path, 'update-ref', `refs/bugs/${b}`, second]);
        expect(await first).toBe(`first ${round}`);
        expect(await lastComment(h.m, name, b)).toBe(`second ${round}`);
      }
    } finally {
      await h.m.close();
    }
  });

  it('a change made while refs are being packed is seen by the next request', async () => {
    const { name, path } = copyOf('many');
    const h = manager({ indexDir: join(tmp.path, `cache-${name}`) });
    const changed = many.ids.slice(0, 6);
    try {
      await h.m.call(name, everything);
      const commits = changed.map((id, i) => commentCommit(path, many.author, id, `while packing ${i}`));
      await h.m.indexWritten(name);
      // Packing starts as the index is written: ref writes spread over the next moments overlap it.
      const writes = changed.map(async (id, i) => {
        await sleep(i === 0 ? 0 : 2 ** i);
        await execFileAsync('git', ['--git-dir', path, 'update-ref', `refs/bugs/${id}`, commits[i]]);
      });
      await Promise.all(writes);
      for (const [i, id] of changed.entries()) expect(await lastComment(h.m, name, id)).toBe(`while packing ${i}`);
      await waitFor('refs packed', () => h.lines('refs packed').length + h.lines('refs not packed').length > 0);
      for (const [i, id] of changed.entries()) expect(await lastComment(h.m, name, id)).toBe(`while packing ${i}`);
      await sleep(100);
      const expected = truthOf(await compiledFromScratch(path), changed);
      expect(JSON.parse(await seen(h.m, name, changed))).toEqual(JSON.parse(JSON.stringify(expected)));
    } finally {
      await h.m.close();
    }
  });
});
