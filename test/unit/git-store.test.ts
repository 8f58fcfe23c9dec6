// Both GitStore backends against real repositories built with git plumbing,
// checked against what git itself says (rev-list, ls-tree) and against each other.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { GIT_ENV } from '../helpers/git-client.js';
import { CORPUS_BUNDLE } from '../helpers/corpus.js';
import { execFileSync } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { CatFileStore } from '../../src/git/cat-file.js';
import { IsomorphicStore } from '../../src/git/isomorphic.js';
import { openGitStore, DEFAULT_BACKEND } from '../../src/git/open.js';
import { GitObjectError, type GitStore, type TreeEntry } from '../../src/git/store.js';
import { UnavailableError } from '../../src/errors.js';

const BUNDLE = CORPUS_BUNDLE;

function git(gitDir: string, args: string[], input?: string | Buffer): string {
  return execFileSync('git', [`--git-dir=${gitDir}`, ...args], { input, env: GIT_ENV, maxBuffer: 64 << 20 })
    .toString('utf8')
    .trim();
}

const hashObject = (dir: string, data: Buffer | string) => git(dir, ['hash-object', '-w', '--stdin'], data);
const mktree = (dir: string, lines: string[]) => git(dir, ['mktree', '-z'], lines.map((l) => l + '\0').join(''));
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const bugId = sha256;

/** What git says a commit is: its tree and parents in order. */
function gitCommit(dir: string, oid: string) {
  const [, ...parents] = git(dir, ['rev-list', '--parents', '-n', '1', oid]).split(' ');
  return { oid, tree: git(dir, ['rev-parse', `${oid}^{tree}`]), parents };
}

/** What git says a tree holds, in stored order. */
function gitTree(dir: string, oid: string): TreeEntry[] {
  return git(dir, ['ls-tree', '-z', oid])
    .split('\0')
    .filter(Boolean)
    .map((rec) => {
      const tab = rec.indexOf('\t');
      const [mode, type, entryOid] = rec.slice(0, tab).split(' ');
      return { mode, name: rec.slice(tab + 1), oid: entryOid, type: type as TreeEntry['type'] };
    });
}

interface Fixture {
  blobs: Record<'text' | 'binary' | 'empty' | 'large' | 'unicode', { oid: string; data: Buffer }>;
  sub: string;
  tree: string;
  root: string;
  second: string;
  side: string;
  merge: string;
  refs: Record<string, string>;
}

let tmp: string;
let looseDir: string;
let packedDir: string;
let fx: Fixture;

function buildFixture(dir: string): Fixture {
  git(dir, ['init', '-q', '--bare', dir]);
  const datas = {
    text: Buffer.from('hello\n'),
    binary: Buffer.concat([Buffer.from([0, 10, 13, 255, 0, 10]), randomBytes(5000), Buffer.from('\n\n')]),
    empty: Buffer.alloc(0),
    large: randomBytes(3 * 1024 * 1024 + 17),
    unicode: Buffer.from('ünïcødé ✓ 🐛\n'),
  };
  const blobs = Object.fromEntries(Object.entries(datas).map(([k, data]) => [k, { oid: hashObject(dir, data), data }])) as Fixture['blobs'];
  const sub = mktree(dir, [`100644 blob ${blobs.text.oid}\tinner.txt`, `100644 blob ${blobs.empty.oid}\tversion-4`]);
  const root = git(dir, ['commit-tree', sub, '-m', 'root']);
  const tree = mktree(dir, [
    `100644 blob ${blobs.text.oid}\tplain.txt`,
    `100644 blob ${blobs.binary.oid}\tname with spaces.bin`,
    `100755 blob ${blobs.empty.oid}\tfïlé ñame ✓.sh`,
    `100644 blob ${blobs.unicode.oid}\t日本語`,
    `120000 blob ${blobs.text.oid}\tlink`,
    `040000 tree ${sub}\tsub dir`,
    `100644 blob ${blobs.large.oid}\tlarge.bin`,
    `160000 commit ${root}\tmodule`,
  ]);
  // A message line that looks like a header must not be taken for a parent.
  const second = git(dir, ['commit-tree', tree, '-p', root, '-m', `second\n\nparent ${root}\ntree ${sub}`]);
  const side = git(dir, ['commit-tree', sub, '-p', root, '-m', 'side']);
  const merge = git(dir, ['commit-tree', tree, '-p', second, '-p', side, '-m', 'merge']);

  const ids = { a: bugId('a'), b: bugId('b'), c: bugId('c'), p: bugId('person') };
  git(dir, ['update-ref', `refs/bugs/${ids.a}`, merge]);
  git(dir, ['update-ref', `refs/bugs/${ids.b}`, root]);
  git(dir, ['update-ref', `refs/identities/${ids.p}`, second]);
  git(dir, ['update-ref', `refs/remotes/origin/bugs/${ids.c}`, side]);
  git(dir, ['update-ref', `refs/bugsy/${ids.c}`, side]);
  git(dir, ['pack-refs', '--all']);
  // After packing: one new loose ref, and one packed ref overridden by a loose value.
  git(dir, ['update-ref', `refs/bugs/${ids.c}`, side]);
  git(dir, ['update-ref', `refs/bugs/${ids.b}`, second]);
  return {
    blobs,
    sub,
    tree,
    root,
    second,
    side,
    merge,
    refs: {
      [`refs/bugs/${ids.a}`]: merge,
      [`refs/bugs/${ids.b}`]: second,
      [`refs/bugs/${ids.c}`]: side,
      [`refs/identities/${ids.p}`]: second,
    },
  };
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bugserve-gitstore-'));
  looseDir = path.join(tmp, 'loose.git');
  packedDir = path.join(tmp, 'packed.git');
  fx = buildFixture(looseDir);
  fs.cpSync(looseDir, packedDir, { recursive: true });
  git(packedDir, ['gc', '--quiet', '--prune=now']);
  expect(fs.readFileSync(path.join(packedDir, 'packed-refs'), 'utf8')).toContain('refs/bugs/');
  expect(fs.readdirSync(path.join(packedDir, 'refs/bugs'))).toEqual([]);
  expect(git(packedDir, ['count-objects', '-v'])).toMatch(/^count: 0$/m);
  expect(git(looseDir, ['count-objects', '-v'])).toMatch(/^in-pack: 0$/m);
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const BACKENDS = [
  ['cat-file', (dir: string) => new CatFileStore(dir)],
  ['isomorphic-git', (dir: string) => new IsomorphicStore(dir)],
] as const;

function rejectsWith(p: Promise<unknown>, cls: abstract new (...args: never[]) => Error, re: RegExp) {
  return expect(p).rejects.toSatisfy((e: unknown) => e instanceof cls && re.test(e.message));
}

describe.each(['loose', 'packed'] as const)('%s objects and refs', (layout) => {
  const dir = () => (layout === 'loose' ? looseDir : packedDir);

  describe.each(BACKENDS)('%s', (_name, make) => {
    let store: GitStore;
    beforeAll(() => {
      store = make(dir());
    });
    afterAll(() => store.close());

    it('reads root, ordinary and merge commits as git does', async () => {
      for (const oid of [fx.root, fx.second, fx.side, fx.merge]) {
        expect(await store.readCommit(oid)).toEqual(gitCommit(dir(), oid));
      }
      expect((await store.readCommit(fx.root)).parents).toEqual([]);
      expect((await store.readCommit(fx.second)).parents).toEqual([fx.root]);
      expect((await store.readCommit(fx.merge)).parents).toEqual([fx.second, fx.side]);
    });

    it('reads trees with odd names, subtrees, links and gitlinks as git ls-tree does', async () => {
      const entries = await store.readTree(fx.tree);
      expect(entries).toEqual(gitTree(dir(), fx.tree));
      expect(entries.map((e) => e.name)).toContain('fïlé ñame ✓.sh');
      expect(entries.find((e) => e.name === 'sub dir')).toEqual({ mode: '040000', name: 'sub dir', oid: fx.sub, type: 'tree' });
      expect(entries.find((e) => e.name === 'module')?.type).toBe('commit');
      expect(await store.readTree(fx.sub)).toEqual(gitTree(dir(), fx.sub));
    });

    it('reads binary, empty, unicode and large blobs byte for byte', async () => {
      for (const { oid, data } of Object.values(fx.blobs)) {
        const got = await store.readBlob(oid);
        expect(got.length).toBe(data.length);
        expect(Buffer.compare(got, data)).toBe(0);
      }
    });

    it('lists loose and packed refs under a prefix, loose values winning', async () => {
      const bugs = await store.listRefs('refs/bugs/');
      const want = Object.entries(fx.refs).filter(([k]) => k.startsWith('refs/bugs/'));
      expect([...bugs.entries()].sort()).toEqual(want.sort());
      const ids = await store.listRefs('refs/identities/');
      expect([...ids.entries()]).toEqual(Object.entries(fx.refs).filter(([k]) => k.startsWith('refs/identities/')));
      expect((await store.listRefs('refs/nothing/')).size).toBe(0);
    });

    it('rejects only the read of a missing object', async () => {
      const missing = 'ab'.repeat(20);
      const results = await Promise.allSettled([
        store.readCommit(fx.merge),
        store.readBlob(missing),
        store.readTree(fx.tree),
        store.readCommit(missing),
        store.readBlob(fx.blobs.large.oid),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
      const err = (results[1] as PromiseRejectedResult).reason;
      expect(err).toBeInstanceOf(GitObjectError);
      expect(err.oid).toBe(missing);
      expect((results[4] as PromiseFulfilledResult<Buffer>).value.length).toBe(fx.blobs.large.data.length);
    });

    it('rejects an object of the wrong type, and keeps reading after it', async () => {
      await rejectsWith(store.readCommit(fx.blobs.text.oid), GitObjectError, /expected a commit, found a blob/);
      await rejectsWith(store.readTree(fx.merge), GitObjectError, /expected a tree, found a commit/);
      await rejectsWith(store.readBlob(fx.tree), GitObjectError, /expected a blob, found a tree/);
      expect((await store.readCommit(fx.merge)).tree).toBe(fx.tree);
    });

    it('refuses names that are not full object ids instead of resolving them', async () => {
      await rejectsWith(store.readCommit('HEAD'), GitObjectError, /not a full object id/);
      await rejectsWith(store.readCommit(fx.merge.slice(0, 7)), GitObjectError, /not a full object id/);
      await rejectsWith(store.readTree(`${fx.merge}^{tree}`), GitObjectError, /not a full object id/);
      await rejectsWith(store.readBlob(`${fx.blobs.text.oid}\n${fx.blobs.text.oid}`), GitObjectError, /not a full object id/);
      expect((await store.readCommit(fx.root)).parents).toEqual([]);
    });
  });

  it('both backends give identical answers', async () => {
    const [a, b] = [new CatFileStore(dir()), new IsomorphicStore(dir())];
    try {
      for (const s of [a, b]) expect(s).toBeDefined();
      const read = async (s: GitStore) => ({
        commits: await Promise.all([fx.root, fx.second, fx.side, fx.merge].map((o) => s.readCommit(o))),
        trees: await Promise.all([fx.tree, fx.sub].map((o) => s.readTree(o))),
        // Digests: deep equality over megabytes of buffer elements is needlessly slow.
        blobs: (await Promise.all(Object.values(fx.blobs).map((x) => s.readBlob(x.oid)))).map(sha256),
        bugs: [...(await s.listRefs('refs/bugs/')).entries()].sort(),
      });
      expect(await read(a)).toEqual(await read(b));
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('cat-file process', () => {
  it('answers 2,000 concurrent mixed reads correctly, in order', async () => {
    const store = new CatFileStore(packedDir);
    try {
      const truth = {
        commits: [fx.root, fx.second, fx.side, fx.merge].map((o) => gitCommit(packedDir, o)),
        tree: gitTree(packedDir, fx.tree),
        sub: gitTree(packedDir, fx.sub),
      };
      const blobs = Object.values(fx.blobs).filter((b) => b !== fx.blobs.large);
      // Plain comparisons, one assertion at the end: 2,000 expect() calls cost seconds.
      const wrong: string[] = [];
      const check = (i: number, ok: boolean) => void (ok || wrong.push(`read ${i}`));
      const reads: Promise<void>[] = [];
      for (let i = 0; i < 2000; i++) {
        const k = i % 4;
        if (k === 0) {
          const c = truth.commits[(i >> 2) % 4];
          reads.push(store.readCommit(c.oid).then((got) => check(i, isDeepStrictEqual(got, c))));
        } else if (k === 1) {
          const [oid, want] = i % 8 === 1 ? [fx.tree, truth.tree] : [fx.sub, truth.sub];
          reads.push(store.readTree(oid).then((got) => check(i, isDeepStrictEqual(got, want))));
        } else {
          // The 3 MiB blob every 100 reads makes answers span many pipe chunks.
          const b = i % 100 === 2 ? fx.blobs.large : blobs[i % blobs.length];
          reads.push(store.readBlob(b.oid).then((got) => check(i, got.equals(b.data))));
        }
      }
      await Promise.all(reads);
      expect(wrong).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('starts git lazily and close() leaves no git process', async () => {
    const store = new CatFileStore(packedDir);
    expect(store.pid).toBeUndefined();
    await store.listRefs('refs/bugs/');
    expect(store.pid).toBeUndefined();
    await store.readCommit(fx.merge);
    const pid = store.pid!;
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(true);
    // Reads still queued when close() is called are answered before git exits.
    const queued = store.readBlob(fx.blobs.large.oid);
    await store.close();
    expect((await queued).length).toBe(fx.blobs.large.data.length);
    expect(isAlive(pid)).toBe(false);
    await rejectsWith(store.readCommit(fx.merge), UnavailableError, /closed/);
  });

  it('rejects every pending read when git dies, then starts a new git', async () => {
    const store = new CatFileStore(packedDir);
    try {
      await store.readCommit(fx.root);
      const pid = store.pid!;
      const pending = Array.from({ length: 50 }, () => store.readBlob(fx.blobs.large.oid));
      process.kill(pid, 'SIGKILL');
      const results = await Promise.allSettled(pending);
      for (const r of results) {
        expect(r.status).toBe('rejected');
        const err = (r as PromiseRejectedResult).reason;
        expect(err).toBeInstanceOf(UnavailableError);
        expect(err.message).toMatch(/git cat-file for .* was killed by SIGKILL/);
      }
      expect((await store.readCommit(fx.merge)).parents).toEqual([fx.second, fx.side]);
      expect(store.pid).not.toBe(pid);
    } finally {
      await store.close();
    }
  });

  it('reports a path that is not a repository clearly', async () => {
    const store = new CatFileStore(path.join(tmp, 'no-such.git'));
    try {
      await rejectsWith(store.readCommit(fx.merge), UnavailableError, /not a git repository/);
      await rejectsWith(store.listRefs('refs/bugs/'), UnavailableError, /not a git repository/);
    } finally {
      await store.close();
    }
  });
});

describe('openGitStore', () => {
  it('opens the chosen backend, cat-file by default', async () => {
    expect(DEFAULT_BACKEND).toBe('cat-file');
    const a = openGitStore(packedDir);
    const b = openGitStore(packedDir, 'isomorphic-git');
    expect(a).toBeInstanceOf(CatFileStore);
    expect(await a.readCommit(fx.merge)).toEqual(await b.readCommit(fx.merge));
    expect([...(await b.listRefs('refs/bugs/'))].sort()).toEqual([...(await a.listRefs('refs/bugs/'))].sort());
    await rejectsWith(b.readBlob('cd'.repeat(20)), GitObjectError, /not found/);
    await a.close();
    await b.close();
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// ---- the real git-bug corpus --------------------------------------------

describe('git-bug corpus bundle', () => {
  let corpus: string;
  beforeAll(() => {
    corpus = path.join(tmp, 'corpus.git');
    git(corpus, ['init', '-q', '--bare', corpus]);
    git(corpus, ['fetch', '-q', BUNDLE, 'refs/bugs/*:refs/bugs/*', 'refs/identities/*:refs/identities/*']);
  });

  it('both backends list 421 bugs and 285 identities and read every head alike', async () => {
    const stores = [new CatFileStore(corpus), new IsomorphicStore(corpus)];
    try {
      const answers = [];
      for (const s of stores) {
        const bugs = await s.listRefs('refs/bugs/');
        const ids = await s.listRefs('refs/identities/');
        expect(bugs.size).toBe(421);
        expect(ids.size).toBe(285);
        const heads = [...bugs.values(), ...ids.values()];
        const commits = await Promise.all(heads.map((o) => s.readCommit(o)));
        const trees = await Promise.all(commits.map((c) => s.readTree(c.tree)));
        answers.push({ bugs: [...bugs].sort(), ids: [...ids].sort(), commits, trees });
      }
      expect(answers[0]).toEqual(answers[1]);
      // Spot-check against git itself.
      const first = answers[0].commits[0];
      expect(first).toEqual(gitCommit(corpus, first.oid));
      expect(answers[0].trees[0]).toEqual(gitTree(corpus, first.tree));
    } finally {
      for (const s of stores) await s.close();
    }
  });

  it('times reading everything reachable from refs/bugs on each backend', async () => {
    const totals: Record<string, WalkTotals> = {};
    for (const [name, make] of BACKENDS) {
      for (const mode of ['pipelined', 'one at a time'] as const) {
        const store = make(corpus);
        try {
          const t0 = performance.now();
          const heads = [...(await store.listRefs('refs/bugs/')).values()];
          const t1 = performance.now();
          const totalsNow = await walk(store, heads, mode === 'pipelined');
          const t2 = performance.now();
          console.log(
            `[git-store bench] ${name} (${mode}): listRefs ${(t1 - t0).toFixed(1)} ms; ` +
              `${totalsNow.commits} commits, ${totalsNow.trees} trees, ${totalsNow.blobs} blobs ` +
              `(${(totalsNow.bytes / 1024).toFixed(0)} KiB) in ${(t2 - t1).toFixed(1)} ms`,
          );
          totals[`${name} ${mode}`] = totalsNow;
        } finally {
          await store.close();
        }
      }
    }
    const all = Object.values(totals);
    for (const t of all) expect(t).toEqual(all[0]);
  });
});

interface WalkTotals {
  commits: number;
  trees: number;
  blobs: number;
  bytes: number;
}

/** Reads every commit, tree and blob reachable from `heads`, level by level (or one read at a time). */
async function walk(store: GitStore, heads: string[], pipelined: boolean): Promise<WalkTotals> {
  const seen = new Set<string>();
  const totals = { commits: 0, trees: 0, blobs: 0, bytes: 0 };
  const all = async <T, R>(items: T[], f: (x: T) => Promise<R>): Promise<R[]> => {
    if (pipelined) return Promise.all(items.map(f));
    const out: R[] = [];
    for (const x of items) out.push(await f(x));
    return out;
  };
  const fresh = (oids: string[]) => oids.filter((o) => !seen.has(o) && seen.add(o));

  let commits = fresh(heads);
  while (commits.length) {
    const read = await all(commits, (o) => store.readCommit(o));
    totals.commits += read.length;
    let trees = fresh(read.map((c) => c.tree));
    while (trees.length) {
      const lists = await all(trees, (o) => store.readTree(o));
      totals.trees += lists.length;
      const entries = lists.flat();
      const blobs = fresh(entries.filter((e) => e.type === 'blob').map((e) => e.oid));
      const datas = await all(blobs, (o) => store.readBlob(o));
      totals.blobs += datas.length;
      for (const d of datas) totals.bytes += d.length;
      trees = fresh(entries.filter((e) => e.type === 'tree').map((e) => e.oid));
    }
    commits = fresh(read.flatMap((c) => c.parents));
  }
  return totals;
}
