// The persisted index against the truth. A generated repository goes through
// random sequences of changes (new bugs, comments, comment edits, status and
// label changes, identity renames, deleted refs, concurrent edits merged, a
// damaged bug appearing and being repaired, a bug waiting for its author's
// identity); after every step the index, opened incrementally on the file the
// previous step left, must answer exactly what a from-scratch compile answers:
// every bug's API JSON, every identity, and a set of list queries including
// free text with short and long terms.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepoView } from '../../src/cache/repo-index.js';
import { generate } from '../../src/gen/generate.js';
import { openGitStore } from '../../src/git/open.js';
import { finishOpen, openRepository, type OpenedRepository } from '../../src/index/open.js';
import { compiledFromScratch } from '../helpers/bug-index.js';
import {
  git,
  nonce,
  ops,
  tempDir,
  updateRef,
  writeBug,
  writeIdentityVersion,
  writePack,
  writeUnreferencedIdentity,
  type Op,
} from '../helpers/git-bug-writer.js';

/** A small seeded generator, so a failing sequence can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] };
}

const WORDS = ['parser', 'crash', 'ab', 'Zé', 'timeout', 'ÉLAN', 'x', 'render', 'memory leak', 'q"uote', 'ok'];

function refs(repo: string, prefix: string): Map<string, string> {
  const out = git(repo, ['for-each-ref', '--format=%(refname) %(objectname)', prefix]);
  return new Map(out ? out.split('\n').map((l) => l.split(' ') as [string, string]) : []);
}

function editClockOf(repo: string, commit: string): number {
  const names = git(repo, ['ls-tree', '--name-only', commit]).split('\n');
  const entry = names.find((n) => n.startsWith('edit-clock-'));
  return Number(entry?.slice('edit-clock-'.length) ?? 0);
}

const truth = compiledFromScratch;

/** Opened as a worker opens it: a first build's write finished, an incremental open's list rows not read yet. */
async function openPagesFirst(path: string, file: string): Promise<OpenedRepository> {
  const store = openGitStore(path);
  try {
    const o = await openRepository(store, file);
    return o.pending ? finishOpen(o) : o;
  } finally {
    await store.close();
  }
}

function attempt<T>(fn: () => T): T | { error: string; message: string } {
  try {
    return fn();
  } catch (err) {
    return { error: (err as Error).name, message: (err as Error).message };
  }
}

/** Everything a user can ask, as JSON text. */
function answers(view: RepoView, bugIds: string[], identityIds: string[], queries: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const id of bugIds) out[`bug ${id}`] = JSON.stringify(attempt(() => view.bug(id)));
  for (const id of identityIds) out[`identity ${id}`] = JSON.stringify(attempt(() => view.identity(id)));
  for (const q of queries) out[`list ${q}`] = JSON.stringify(attempt(() => view.list({ q, page: 1, perPage: 1000 })));
  out['list page 2'] = JSON.stringify(view.list({ q: '', page: 2, perPage: 7 }));
  return out;
}

describe('the persisted index stays identical to a from-scratch compile', () => {
  const dir = tempDir('bugserve-index-');
  const repo = join(dir.path, 'r.git');
  const file = join(dir.path, 'cache', 'r.sqlite');
  const opened: OpenedRepository[] = [];

  beforeAll(async () => {
    await generate({ path: repo, bugs: 40, identities: 6, comments: 4, seed: 8 });
  }, 60_000);

  afterAll(() => {
    for (const o of opened) o.db?.close();
    dir.remove();
  });

  async function check(step: string): Promise<OpenedRepository> {
    const expected = await truth(repo);
    // Pages first, as a worker answers them: before any list has read the catalog's keys and rows.
    const got = await openPagesFirst(repo, file);
    opened.push(got);
    const pageIds = [...refs(repo, 'refs/bugs/').keys()].map((r) => r.slice('refs/bugs/'.length));
    const spellings = [...pageIds.flatMap((id) => [id, id.slice(0, 7), id.slice(0, 2).toUpperCase()]), 'f'.repeat(64), '0', 'not hex'];
    const pages = (view: RepoView) =>
      spellings.map((p) => JSON.stringify([attempt(() => view.resolve('bug', p)), attempt(() => view.bug(p))]));
    expect(pages(got.view), `${step}: pages first`).toEqual(pages(expected));
    const statusLists = (view: RepoView) =>
      ['', 'status:open', 'status:closed', 'sort:edit-asc', 'status:closed sort:creation-asc', 'sort:id-desc'].flatMap((q) =>
        [
          [1, 1000],
          [2, 7],
          [99, 7],
        ].map(([page, perPage]) => JSON.stringify(attempt(() => view.list({ q, page, perPage })))),
      );
    // Then lists of a status and an order: an open that wrote the change
    // carried the list view over it, so these read no row either.
    expect(statusLists(got.view), `${step}: status lists first`).toEqual(statusLists(expected));
    if (got.kind === 'incremental') expect(got.view.listsReady, `${step}: rows read for the first lists`).toBe(got.view.damagedCount > 0);
    const bugIds = [...refs(repo, 'refs/bugs/').keys()].map((r) => r.slice('refs/bugs/'.length));
    const identityIds = [...refs(repo, 'refs/identities/').keys()].map((r) => r.slice('refs/identities/'.length));
    const authors = identityIds.slice(0, 2).map((id) => expected.identity(id).displayName.split(' ')[0]);
    const queries = [
      '',
      'status:open',
      'status:closed sort:edit-asc',
      'sort:id-desc',
      'no:label',
      'label:bug',
      'label:urgent',
      ...authors.map((a) => `author:"${a}"`),
      ...authors.map((a) => `participant:"${a}" sort:edit`),
      ...WORDS.map((w) => `"${w}"`),
      'ab crash',
      // Terms across words: the words' answer for their pieces, then checked.
      '"y l"',
      '"h p"',
      '"er  "',
      'e',
      'x ok status:open',
      'title:crash memory',
    ];
    expect(answers(got.view, bugIds, identityIds, queries), step).toEqual(answers(expected, bugIds, identityIds, queries));
    // Opened again with nothing changed, as after a restart: the lists just
    // built left a list view, and lists of a status and an order come from it
    // before any row is read (unless a bug is damaged: then from the rows).
    const again = await openPagesFirst(repo, file);
    opened.push(again);
    expect(statusLists(again.view), `${step}: reopened`).toEqual(statusLists(expected));
    expect(again.view.listsReady, `${step}: rows read`).toBe(again.view.damagedCount > 0);
    return got;
  }

  it('after a first build and after every change of a random sequence', async () => {
    const first = await check('first build');
    expect(first.kind).toBe('full');
    expect(first.refreshed).toBeGreaterThan(0);

    const r = rng(42);
    const people = () => [...refs(repo, 'refs/identities/').keys()].map((ref) => ref.slice('refs/identities/'.length));
    const bugs = () => [...refs(repo, 'refs/bugs/')].map(([ref, head]) => ({ id: ref.slice('refs/bugs/'.length), head }));
    let ts = 1_800_000_000;
    const text = () => `${r.pick(WORDS)} ${r.pick(WORDS)} ${nonce().slice(0, 6)}`;
    /** one pack on top of a bug's head */
    const append = (bug: { id: string; head: string }, packOps: Op[], author = r.pick(people())) => {
      const head = writePack(repo, { author, ops: packOps, editClock: editClockOf(repo, bug.head) + 1, parents: [bug.head] });
      updateRef(repo, `refs/bugs/${bug.id}`, head);
    };
    // The bug that waits for its author's identity, and the damaged one with its good head.
    let waiting: { identity: { id: string; head: string } } | undefined;
    let broken: { id: string; goodHead: string } | undefined;

    const changes: Record<string, () => string> = {
      newBug: () => {
        writeBug(repo, r.pick(people()), [[ops.create(text(), text(), ts++)]]);
        return 'a new bug';
      },
      comment: () => {
        append(r.pick(bugs()), [ops.comment(text(), ts++)]);
        return 'a comment';
      },
      edit: () => {
        const bug = r.pick(bugs());
        append(bug, [ops.edit(bug.id, text(), ts++)]);
        return 'a comment edit';
      },
      status: () => {
        append(r.pick(bugs()), [ops.status(r.pick([1, 2] as const), ts++)]);
        return 'a status change';
      },
      labels: () => {
        append(r.pick(bugs()), [ops.labels([r.pick(['bug', 'urgent', 'ui'])], r.next() < 0.5 ? ['bug'] : [], ts++)]);
        return 'a label change';
      },
      title: () => {
        append(r.pick(bugs()), [ops.setTitle(text(), 'was', ts++)]);
        return 'a title change';
      },
      rename: () => {
        const id = r.pick(people());
        writeIdentityVersion(repo, id, { name: `Renamed ${text()}`, login: `l${r.int(100)}` });
        return `identity ${id.slice(0, 7)} renamed`;
      },
      deleteRef: () => {
        const bug = r.pick(bugs());
        git(repo, ['update-ref', '-d', `refs/bugs/${bug.id}`]);
        return `bug ${bug.id.slice(0, 7)} deleted`;
      },
      merge: () => {
        const bug = r.pick(bugs());
        const clock = editClockOf(repo, bug.head) + 1;
        const a = writePack(repo, { author: r.pick(people()), ops: [ops.comment(text(), ts++)], editClock: clock, parents: [bug.head] });
        const b = writePack(repo, { author: r.pick(people()), ops: [ops.status(2, ts++)], editClock: clock, parents: [bug.head] });
        const m = writePack(repo, { author: r.pick(people()), ops: [], editClock: clock + 1, parents: [a, b] });
        updateRef(repo, `refs/bugs/${bug.id}`, m);
        return 'concurrent edits merged';
      },
      damage: () => {
        if (broken) {
          // Repaired: the ref moves to a good pack on top of the last good head.
          const head = writePack(repo, {
            author: r.pick(people()),
            ops: [ops.comment('repaired ' + text(), ts++)],
            editClock: editClockOf(repo, broken.goodHead) + 1,
            parents: [broken.goodHead],
          });
          updateRef(repo, `refs/bugs/${broken.id}`, head);
          broken = undefined;
          return 'the damaged bug repaired';
        }
        const bug = r.pick(bugs());
        const bad = writePack(repo, {
          author: r.pick(people()),
          ops: [],
          rawOps: '{"ops": [',
          editClock: editClockOf(repo, bug.head) + 1,
          parents: [bug.head],
        });
        updateRef(repo, `refs/bugs/${bug.id}`, bad);
        broken = { id: bug.id, goodHead: bug.head };
        return `bug ${bug.id.slice(0, 7)} damaged`;
      },
      identityLater: () => {
        if (waiting) {
          updateRef(repo, `refs/identities/${waiting.identity.id}`, waiting.identity.head);
          waiting = undefined;
          return 'the missing identity arrived';
        }
        const identity = writeUnreferencedIdentity(repo, { name: 'Late Comer', login: 'late' });
        writeBug(repo, identity.id, [[ops.create('by someone unknown ' + text(), text(), ts++)]]);
        waiting = { identity };
        return 'a bug by an identity that has no ref yet';
      },
    };

    const names = Object.keys(changes);
    for (let step = 0; step < 36; step++) {
      // Usually one change, sometimes several between two opens.
      const done: string[] = [];
      for (let k = 0, count = r.next() < 0.7 ? 1 : 2 + r.int(3); k < count; k++) done.push(changes[r.pick(names)]());
      const got = await check(`step ${step}: ${done.join(', ')}`);
      expect(got.kind).toBe('incremental');
    }
    // The text queries compared above found something (long and short terms alike).
    const final = await truth(repo);
    for (const q of ['"parser"', '"ab"', 'x', '"memory leak"', '"y l"', '"zé"'])
      expect(final.list({ q, page: 1, perPage: 1 }).total, q).toBeGreaterThan(0);
  }, 240_000);

  it('compiles only what changed: one comment recompiles one bug', async () => {
    const before = await check('before');
    expect(before.kind).toBe('incremental');
    // A bug that compiles: one the random sequence left damaged (ids vary with its nonces) stays damaged under a comment.
    const damaged = new Set(before.view.damaged.map((d) => d.id));
    const bug = [...refs(repo, 'refs/bugs/')]
      .map(([ref, head]) => ({ id: ref.slice('refs/bugs/'.length), head }))
      .find((b) => !damaged.has(b.id))!;
    const author = [...refs(repo, 'refs/identities/').keys()][0].slice('refs/identities/'.length);
    const head = writePack(repo, {
      author,
      ops: [ops.comment('one more')],
      editClock: editClockOf(repo, bug.head) + 1,
      parents: [bug.head],
    });
    updateRef(repo, `refs/bugs/${bug.id}`, head);
    const after = await check('one comment');
    expect(after.refreshed).toBe(1 + after.view.damaged.length);
    expect(after.view.bug(bug.id).comments.at(-1)?.message).toBe('one more');
  }, 60_000);

  it('a deleted index file is rebuilt in full', async () => {
    for (const o of opened.splice(0)) o.db?.close();
    rmSync(join(dir.path, 'cache'), { recursive: true, force: true });
    const again = await check('index deleted');
    expect(again.kind).toBe('full');
    expect(again.notices).toEqual([]);
  }, 60_000);
});

describe('phrases over several blocks of rows, from word positions', () => {
  const dir = tempDir('bugserve-phrases-');
  const repo = join(dir.path, 'r.git');
  const file = join(dir.path, 'cache', 'r.sqlite');

  beforeAll(async () => {
    // Three blocks of 256 rows, the generator's prose: common words, phrases in most bugs.
    await generate({ path: repo, bugs: 600, identities: 8, comments: 3, seed: 11 });
  }, 120_000);

  afterAll(() => dir.remove());

  it('answers every phrase as the texts do, a page of snippets included', async () => {
    const expected = await truth(repo);
    const got = await openPagesFirst(repo, file);
    try {
      expect(got.db, 'answered from the index').toBeDefined();
      const phrases = ['"of the"', '"in the"', '"the lock"', '"e e"', '"a b"', '"s a"', '"of the lock"', '"to the" status:closed'];
      // Not plain (two spaces, a tab, a space at an end): checked from the texts, as before.
      const others = ['"of  the"', '"of\tthe"', '" the"', '"the "'];
      for (const q of [...phrases, ...others]) {
        const list = (view: RepoView) => view.list({ q, page: 1, perPage: 1000 });
        expect(list(got.view), q).toEqual(list(expected));
      }
      // The phrase holds in bugs of every block (rows 1-256, 257-512, 513-600).
      const listed = JSON.parse(got.view.list({ q: '"of the"', page: 1, perPage: 1000 }).bugsJson) as { id: string }[];
      const ids = listed.map((b) => b.id);
      const rowOf = got.db!.prepare('SELECT n FROM bugs WHERE id = ?').pluck();
      const blocks = new Set(ids.map((id) => Math.floor((rowOf.get(id) as number) / 256)));
      expect([...blocks].sort()).toEqual([0, 1, 2]);
    } finally {
      got.db?.close();
    }
  }, 120_000);
});
