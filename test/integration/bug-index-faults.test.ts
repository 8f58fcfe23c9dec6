// The persisted index when things go wrong: nothing lost, nothing stale.
// Bad files are discarded and rebuilt (logged once with their path), a disk
// that takes no writes makes the worker serve from memory, a process killed
// in the middle of writing leaves an index the next open reads correctly,
// and through the manager: a warm repository is refreshed ahead after a push,
// builds are labelled full or incremental, and bugs are counted.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitBugCacheManager } from '../../src/cache/manager.js';
import { bugOf } from '../../src/cache/protocol.js';
import type { RepoView } from '../../src/cache/repo-index.js';
import { generate } from '../../src/gen/generate.js';
import { indexFileFor } from '../../src/index/index-file.js';
import { openRepository, type OpenedRepository } from '../../src/index/open.js';
import { openGitStore } from '../../src/git/open.js';
import { compiledFromScratch, openIndexed } from '../helpers/bug-index.js';
import { fromWireReply } from '../../src/cache/protocol.js';
import { git, ops, tempDir, updateRef, writeBug, writePack } from '../helpers/git-bug-writer.js';

const tmp = tempDir('bugserve-index-faults-');
const repo = join(tmp.path, 'repos', 'r.git');
const big = join(tmp.path, 'repos', 'big.git');
const mounts: string[] = [];
const dbs: OpenedRepository[] = [];

beforeAll(async () => {
  await generate({ path: repo, bugs: 30, identities: 4, comments: 3, seed: 3 });
  await generate({ path: big, bugs: 600, identities: 10, comments: 6, seed: 4 });
}, 120_000);

afterAll(() => {
  for (const d of dbs) d.db?.close();
  for (const m of mounts) execFileSync('umount', ['-l', m]);
  tmp.remove();
});

async function open(path: string, file: string): Promise<OpenedRepository> {
  const o = await openIndexed(path, file);
  dbs.push(o);
  return o;
}

const truth = compiledFromScratch;

/** What a visitor sees: every bug page and a few lists, free text included. */
function seen(view: RepoView, ids: string[]): string {
  return JSON.stringify({
    bugs: ids.map((id) => view.bug(id)),
    lists: ['', 'status:closed', '"the"', 'ab', 'sort:edit-asc'].map((q) => view.list({ q, page: 1, perPage: 500 })),
  });
}

function bugIds(path: string): string[] {
  return git(path, ['for-each-ref', '--format=%(refname:lstrip=2)', 'refs/bugs/']).split('\n').filter(Boolean);
}

async function expectCorrect(path: string, o: OpenedRepository): Promise<void> {
  const ids = bugIds(path);
  expect(seen(o.view, ids)).toBe(seen(await truth(path), ids));
}

/** A tmpfs of `size`, read-only or not: a real full or read-only disk for the index. */
function mountTmpfs(dir: string, options: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  mounts.push(dir);
}

describe('a bad index file is discarded and rebuilt, and said so once with its path', () => {
  const cases: [string, (file: string) => void][] = [
    ['garbage bytes', (file) => writeFileSync(file, Buffer.alloc(64 * 1024, 0x5a))],
    ['a truncated file', (file) => truncateSync(file, Math.floor(statSync(file).size / 3))],
    [
      'a foreign SQLite database',
      (file) => {
        const db = new Database(file);
        db.exec("DROP TABLE IF EXISTS meta; CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES ('format', 'someone else')");
        db.close();
      },
    ],
    [
      'a catalog whose shard summaries are not ours',
      (file) => {
        const db = new Database(file);
        db.exec('UPDATE catalog SET shard = 99 WHERE shard = (SELECT min(shard) FROM catalog)');
        db.close();
      },
    ],
    [
      'an older schema',
      (file) => {
        const db = new Database(file);
        db.exec("UPDATE meta SET value = '0' WHERE key = 'schema'");
        db.close();
      },
    ],
  ];
  for (const [name, spoil] of cases) {
    it(
      name,
      async () => {
        const file = join(tmp.path, 'cache', `${name.replaceAll(' ', '-')}.sqlite`);
        const first = await open(repo, file);
        expect(first.kind).toBe('full');
        first.db?.close();
        spoil(file);
        const again = await open(repo, file);
        expect(again.notices).toHaveLength(1);
        expect(again.notices[0]).toContain(file);
        expect(again.notices[0]).toContain('discarded');
        expect(again.kind).toBe('full');
        await expectCorrect(repo, again);
        again.db?.close();
        // The rebuilt file is sound: the next open is incremental and quiet.
        const third = await open(repo, file);
        expect(third.notices).toEqual([]);
        expect(third.kind).toBe('incremental');
        expect(third.refreshed).toBe(third.view.damaged.length);
      },
      60_000,
    );
  }
});

describe('catalog keys or rows that do not decode (read after the open, when first needed)', () => {
  for (const part of ['keys', 'rows']) {
    it(`${part}: the first list that needs them fails, the file is discarded, and the next open rebuilds it`, async () => {
      const file = join(tmp.path, 'cache', `bad-${part}.sqlite`);
      (await open(repo, file)).db?.close();
      const db = new Database(file);
      // A shard without damaged bugs: its refs did not move, so the open does not decode it.
      db.exec(`UPDATE catalog SET ${part} = '{"v": 2, "bugs": [[' WHERE shard = (SELECT min(shard) FROM catalog WHERE damaged = 0)`);
      db.close();
      const store = openGitStore(repo);
      const opened = await openRepository(store, file).finally(() => store.close());
      dbs.push(opened);
      expect(opened.kind).toBe('incremental');
      if (part === 'rows') {
        // Pages need no rows: they are answered.
        const ids = bugIds(repo);
        expect(JSON.stringify(opened.view.bug(ids[0]))).toBe(JSON.stringify((await truth(repo)).bug(ids[0])));
      }
      // A status-only list needs no rows either: the stored list view answers it.
      const all = { q: '', page: 1, perPage: 10 };
      expect(JSON.stringify(opened.view.list(all))).toBe(JSON.stringify((await truth(repo)).list(all)));
      expect(() => opened.view.list({ q: 'no:label', page: 1, perPage: 10 })).toThrow(/unreadable catalog/);
      expect(existsSync(file)).toBe(false);
      opened.db?.close();
      const again = await open(repo, file);
      expect(again.kind).toBe('full');
      await expectCorrect(repo, again);
    });
  }
});

describe('a disk that takes no writes: served from memory, said once', () => {
  it('a full disk', async () => {
    const dir = join(tmp.path, 'full');
    mountTmpfs(dir, 'size=48k');
    const file = join(dir, 'r.sqlite');
    const o = await open(repo, file);
    expect(o.notices).toHaveLength(1);
    expect(o.notices[0]).toContain(file);
    expect(o.notices[0]).toContain('serving from memory');
    await expectCorrect(repo, o);
  });

  it('a read-only cache folder', async () => {
    const dir = join(tmp.path, 'readonly');
    mountTmpfs(dir, 'size=1m,ro');
    const file = join(dir, 'r.sqlite');
    const o = await open(repo, file);
    expect(o.notices).toHaveLength(1);
    expect(o.notices[0]).toContain('serving from memory');
    await expectCorrect(repo, o);
  });
});

describe('kill -9 while the index is being written', () => {
  it('leaves an index that the next open reads correctly', async () => {
    const file = join(tmp.path, 'cache', 'killed.sqlite');
    const moduleUrl = (p: string) => pathToFileURL(resolve('dist', p)).href;
    const script = `
      const { openGitStore } = await import(${JSON.stringify(moduleUrl('src/git/open.js'))});
      const { finishOpen, openRepository } = await import(${JSON.stringify(moduleUrl('src/index/open.js'))});
      const store = openGitStore(process.argv[1]);
      finishOpen(await openRepository(store, process.argv[2]));
      await store.close();
      process.stdout.write('done');`;
    const run = (killAfterMs: number) =>
      new Promise<boolean>((done) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script, big, file], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (b: Buffer) => (out += b.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        child.on('close', () => {
          clearTimeout(timer);
          done(out === 'done');
        });
      });
    // Kill later and later (bounded), changing the bugs between runs, until one run completes.
    let kills = 0;
    const author = git(big, ['for-each-ref', '--count=1', '--format=%(refname:lstrip=2)', 'refs/identities/']);
    for (let ms = 150; ms < 20_000 && !(await run(ms)); ms = Math.round(ms * 1.4)) {
      kills++;
      writeBug(big, author, [[ops.create(`after kill ${kills}`, 'body')]]);
      const again = await open(big, file);
      expect(again.notices).toEqual([]);
      await expectCorrect(big, again);
      again.db?.close();
    }
    expect(kills).toBeGreaterThan(0);
    const last = await open(big, file);
    await expectCorrect(big, last);
  }, 240_000);
});

describe('through the manager', () => {
  it('a first build answers from memory, writes its index between requests, and the next open reads it', async () => {
    const reposDir = join(tmp.path, 'repos');
    const indexDir = join(tmp.path, 'cache-first');
    const logged: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(line) });
    const m = new GitBugCacheManager({ reposDir, indexDir, registry: new Registry(), logger });
    const ids = bugIds(big);
    const expected = await truth(big);
    try {
      const stats = await m.call('big', { kind: 'open' });
      expect(stats.kind).toBe('full');
      expect(stats.pending).toBe(true);
      // Requests while the index is written are answered, from memory, correctly.
      const during = await Promise.all([
        m.call('big', { kind: 'list', q: 'status:closed', page: 1, perPage: 500 }),
        m.call('big', { kind: 'list', q: '"the"', page: 1, perPage: 500 }),
      ]);
      expect(JSON.stringify(during[0])).toBe(
        JSON.stringify(fromWireReply('list', expected.list({ q: 'status:closed', page: 1, perPage: 500 }))),
      );
      expect(JSON.stringify(during[1])).toBe(JSON.stringify(fromWireReply('list', expected.list({ q: '"the"', page: 1, perPage: 500 }))));
      await m.indexWritten('big');
      expect(logged.filter((l) => l.includes('bug index written'))).toHaveLength(1);
      const writes = (await m.registry.getMetricsAsJSON()).find((x) => x.name === 'bugserve_cache_index_writes_total')!;
      expect(writes.values[0].value).toBe(1);
      // The same worker now answers from the index, identically.
      const after = await m.call('big', { kind: 'list', q: '"the"', page: 1, perPage: 500 });
      expect(JSON.stringify(after)).toBe(JSON.stringify(during[1]));
    } finally {
      await m.close();
    }
    const reopened = await open(big, indexFileFor(indexDir, 'big'));
    expect(reopened.kind).toBe('incremental');
    expect(reopened.refreshed).toBe(0);
    expect(seen(reopened.view, ids)).toBe(seen(expected, ids));
  }, 60_000);

  it('a first write cut short by a push leaves the index usable, and the replacement writes it', async () => {
    const reposDir = join(tmp.path, 'repos');
    const indexDir = join(tmp.path, 'cache-cut');
    const m = new GitBugCacheManager({ reposDir, indexDir, registry: new Registry() });
    try {
      await m.call('big', { kind: 'open' });
      // Retired at once, before its index can be written: as a push does.
      m.invalidateCache('big', 'hook');
      const again = await m.call('big', { kind: 'open' });
      expect(again.kind).toBe('full');
      await m.indexWritten('big');
    } finally {
      await m.close();
    }
    const reopened = await open(big, indexFileFor(indexDir, 'big'));
    expect(reopened.kind).toBe('incremental');
    await expectCorrect(big, reopened);
  }, 60_000);

  it('refreshes a warm repository ahead of the next visitor, incrementally, and counts it', async () => {
    const reposDir = join(tmp.path, 'repos');
    const indexDir = join(tmp.path, 'cache');
    const logged: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(line) });
    const m = new GitBugCacheManager({ reposDir, indexDir, registry: new Registry(), logger });
    try {
      const before = await m.call('r', { kind: 'list', q: '', page: 1, perPage: 100 });
      // The first build's index is on disk (a write cut short starts over: tested below).
      await m.indexWritten('r');
      const bug = before.bugs[0];
      const head = git(repo, ['rev-parse', `refs/bugs/${bug.id}`]);
      const clock = Number(/edit-clock-(\d+)/.exec(git(repo, ['ls-tree', '--name-only', head]))![1]);
      updateRef(
        repo,
        `refs/bugs/${bug.id}`,
        writePack(repo, { author: bug.author.id, ops: [ops.comment('pushed')], editClock: clock + 1, parents: [head] }),
      );
      // What the hook does after a push.
      m.invalidateCache('r', 'hook');
      // The replacement is already starting: no request needed.
      expect(m.warmRepositories()).toEqual(['r']);
      const page = await m.call('r', { kind: 'bug', prefix: bug.id });
      expect(bugOf(page).comments.at(-1)?.message).toBe('pushed');
      const metrics = await m.registry.getMetricsAsJSON();
      const builds = metrics.find((x) => x.name === 'bugserve_cache_build_seconds')!.values as {
        labels: Record<string, string>;
        metricName?: string;
        value: number;
      }[];
      const count = (kind: string) =>
        builds.find((v) => v.metricName === 'bugserve_cache_build_seconds_count' && v.labels.kind === kind)?.value;
      expect(count('full')).toBe(1);
      expect(count('incremental')).toBe(1);
      const refreshed = metrics.find((x) => x.name === 'bugserve_cache_refreshed_bugs_total')!.values[0].value;
      expect(refreshed).toBe(30 + 1);
      const bytes = metrics.find((x) => x.name === 'bugserve_cache_index_bytes')!.values[0].value;
      expect(bytes).toBeGreaterThan(0);
      expect(readFileSync(indexFileFor(indexDir, 'r')).subarray(0, 15).toString()).toBe('SQLite format 3');
      expect(logged.some((l) => l.includes('"kind":"incremental"'))).toBe(true);

      // `bugserve bugs` beside the server reads its index (never writes it) and
      // sees what --no-index sees, the newest push included.
      const comment = ops.comment('after the build');
      const head2 = git(repo, ['rev-parse', `refs/bugs/${bug.id}`]);
      updateRef(
        repo,
        `refs/bugs/${bug.id}`,
        writePack(repo, { author: bug.author.id, ops: [comment], editClock: clock + 2, parents: [head2] }),
      );
      const cli = (...args: string[]) =>
        execFileSync(process.execPath, ['dist/src/cli.js', 'bugs', repo, '--json', ...args], { encoding: 'utf8' });
      const mtime = statSync(indexFileFor(indexDir, 'r')).mtimeMs;
      const withIndex = cli();
      expect(withIndex).toBe(cli('--no-index'));
      expect(withIndex).toContain('after the build');
      expect(withIndex.trim().split('\n')).toHaveLength(30);
      expect(statSync(indexFileFor(indexDir, 'r')).mtimeMs).toBe(mtime);
    } finally {
      await m.close();
    }
  }, 60_000);

  it('a change found by the ref check (no hook) is served fresh, and the worker still goes idle', async () => {
    const reposDir = join(tmp.path, 'repos');
    const m = new GitBugCacheManager({ reposDir, indexDir: join(tmp.path, 'cache-idle'), registry: new Registry(), idleTimeoutMs: 300 });
    try {
      const before = await m.call('r', { kind: 'list', q: '', page: 1, perPage: 100 });
      const author = before.bugs[0].author.id;
      writeBug(repo, author, [[ops.create('found without a hook', 'body')]]);
      const after = await m.call('r', { kind: 'list', q: '', page: 1, perPage: 100 });
      expect(after.total).toBe(before.total + 1);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(m.warmRepositories()).toEqual([]);
      expect(m.workerThreads()).toBe(0);
    } finally {
      await m.close();
    }
  }, 60_000);
});
