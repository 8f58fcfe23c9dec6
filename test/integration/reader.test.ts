// The git-bug reader against real git repositories: the real corpus, merges
// with equal clocks, and every kind of damage, each failing alone.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGitStore, type GitBackend } from '../../src/git/open.js';
import { loadRepository, type LoadedRepository } from '../../src/gitbug/load.js';
import type { CompiledBug } from '../../src/gitbug/types.js';
import { CORPUS_BUGS, CORPUS_IDENTITIES, loadCorpus } from '../helpers/corpus.js';
import {
  git,
  initBare,
  nextClock,
  opId,
  ops,
  packId,
  tempDir,
  updateRef,
  writeBug,
  writeIdentity,
  writePack,
} from '../helpers/git-bug-writer.js';

async function load(repo: string, backend?: GitBackend): Promise<LoadedRepository> {
  const store = openGitStore(repo, backend);
  try {
    return await loadRepository(store);
  } finally {
    await store.close();
  }
}

const tmp = tempDir();
afterAll(() => tmp.remove());

describe('the real git-bug corpus', () => {
  let repo: LoadedRepository;
  let byPrefix: (p: string) => CompiledBug;
  beforeAll(async () => {
    const path = loadCorpus(`${tmp.path}/corpus.git`);
    repo = await load(path);
    byPrefix = (p) => {
      const found = repo.bugs.filter((b) => b.id.startsWith(p));
      expect(found).toHaveLength(1);
      return found[0];
    };
  });

  it('compiles every bug and identity with no error', () => {
    expect(repo.damaged).toEqual([]);
    expect(repo.damagedIdentities).toEqual([]);
    expect(repo.bugs).toHaveLength(CORPUS_BUGS);
    expect(repo.identities.size).toBe(CORPUS_IDENTITIES);
    expect(repo.bugs.filter((b) => b.status === 'open')).toHaveLength(135);
  });

  // Values read by hand from the raw objects (git cat-file -p <commit>:ops).
  it('matches the raw objects of bug 01280d5', () => {
    const b = byPrefix('01280d5');
    expect(b.title).toBe('Gitlab importation - unhandled note type');
    expect(b.status).toBe('closed'); // the last pack sets status 2
    expect(b.labels).toEqual([]);
    expect(b.author.name).toBe('Cédric');
    expect(b.createdAt).toBe('2019-07-25T18:12:42Z');
    expect(b.editedAt).toBe('2019-07-26T15:02:37Z');
    expect(b.comments).toHaveLength(7);
    // pack 641 adds two comments and edits each of them
    expect(b.comments.map((c) => c.edited)).toEqual([false, false, true, true, false, false, false]);
    expect(b.comments[3].message).toMatch(/^Some debugging gives me a `noteType = 10`/);
    expect(b.comments[1].author.name).toBe('Michael Muré');
    expect(b.actors).toEqual(b.participants);
    expect(b.participants.map((id) => id.slice(0, 8))).toEqual(['4f11957f', '3998add5', '92406836']);
    expect(b.timeline.map((t) => t.type)).toEqual(['create', 'comment', 'comment', 'comment', 'comment', 'comment', 'status', 'comment']);
  });

  it("gives comments git-bug's combined ids", () => {
    const b = byPrefix('01280d5');
    // The interleaving keeps the bug id's first characters at fixed places.
    for (const c of b.comments) expect(c.id[0] + c.id[2] + c.id[4] + c.id[6]).toBe(b.id.slice(0, 4));
  });

  it('reads the same with both git backends', async () => {
    const other = await load(`${tmp.path}/corpus.git`, 'isomorphic-git');
    expect(other.bugs).toEqual(repo.bugs);
  });
});

describe('operation semantics', () => {
  const path = `${tmp.path}/semantics.git`;
  let repo: LoadedRepository;
  let ada: string;
  let bob: string;
  const created = ops.create('first title', 'the body');
  const label = ops.labels(['zeta', 'alpha', 'Émile', 'beta']);
  const c1 = ops.comment('hello');

  beforeAll(async () => {
    initBare(path);
    ada = writeIdentity(path, { name: 'Ada', login: 'ada' });
    bob = writeIdentity(path, { login: 'bob-login' });
    writeBug(path, ada, [
      [created, ops.setTitle('second title', 'first title')],
      [label, c1],
    ]);
    const id = opId(created);
    const head = git(path, ['rev-parse', `refs/bugs/${id}`]);
    // Bob edits the create comment, tries to edit the label change (a no-op),
    // removes a label, closes, and leaves a no-op and a metadata op.
    const next = writePack(path, {
      author: bob,
      ops: [
        ops.edit(id, 'the body, edited'),
        ops.edit(opId(label), 'not a comment'),
        ops.labels([], ['beta']),
        ops.status(2),
        ops.noop(1800000000),
        ops.setMetadata(opId(c1), { k: 'v' }, 1800000001),
      ],
      editClock: nextClock(),
      parents: [head],
    });
    updateRef(path, `refs/bugs/${id}`, next);
    repo = await load(path);
  });

  it('applies title, labels, status and edits as git-bug does', () => {
    expect(repo.damaged).toEqual([]);
    const b = repo.bugs[0];
    expect(b.title).toBe('second title');
    expect(b.status).toBe('closed');
    // byte order: uppercase and ASCII before "É"
    expect(b.labels).toEqual(['alpha', 'zeta', 'Émile']);
    expect(b.comments.map((c) => [c.message, c.edited])).toEqual([
      ['the body, edited', true],
      ['hello', false],
    ]);
    const create = b.timeline[0];
    expect(create.type === 'create' && create.history.map((h) => [h.author.name, h.message])).toEqual([
      ['Ada', 'the body'],
      ['bob-login', 'the body, edited'],
    ]);
    expect(b.timeline.map((t) => t.type)).toEqual(['create', 'title', 'labels', 'comment', 'labels', 'status']);
  });

  it('counts actors and participants, and takes the edit time from the last operation', () => {
    const b = repo.bugs[0];
    expect(b.participants).toEqual([ada]);
    expect(b.actors).toEqual([ada, bob]);
    expect(b.author).toEqual({ id: ada, name: 'Ada' });
    expect(b.editedAt).toBe('2027-01-15T08:00:01Z');
  });
});

describe('concurrent edits merged in the DAG', () => {
  // root -> A, B with EQUAL edit clocks -> merge commit: A and B are ordered by pack id.
  async function mergedBug(path: string, aText: string, bText: string) {
    const author = writeIdentity(path, { name: 'Merger' });
    const create = ops.create('merge me');
    const root = writePack(path, { author, ops: [create], editClock: 10, createClock: 1 });
    const aOps = [ops.comment(aText)];
    const bOps = [ops.comment(bText)];
    const a = writePack(path, { author, ops: aOps, editClock: 11, parents: [root] });
    const b = writePack(path, { author, ops: bOps, editClock: 11, parents: [root] });
    const merge = writePack(path, { author, ops: [], editClock: 12, parents: [a, b] });
    updateRef(path, `refs/bugs/${opId(create)}`, merge);
    const aFirst = packId(author, aOps) < packId(author, bOps);
    const repo = await load(path);
    return { repo, aFirst };
  }

  it('orders equal clocks by pack id, in both orders', async () => {
    const seen = new Set<boolean>();
    for (let i = 0; i < 12 && seen.size < 2; i++) {
      const path = initBare(`${tmp.path}/merge-${i}.git`);
      const { repo, aFirst } = await mergedBug(path, `from A ${i}`, `from B ${i}`);
      expect(repo.damaged).toEqual([]);
      const messages = repo.bugs[0].comments.slice(1).map((c) => c.message);
      expect(messages).toEqual(aFirst ? [`from A ${i}`, `from B ${i}`] : [`from B ${i}`, `from A ${i}`]);
      seen.add(aFirst);
    }
    expect(seen.size).toBe(2);
  });
});

describe('damaged data fails alone and says why', () => {
  const path = `${tmp.path}/damaged.git`;
  let repo: LoadedRepository;
  let goodId: string;
  const cases = new Map<string, RegExp>();

  beforeAll(async () => {
    initBare(path);
    const author = writeIdentity(path, { name: 'Ada' });
    goodId = writeBug(path, author, [[ops.create('the good bug')], [ops.comment('still fine')]]).id;

    const rootOf = (title: string) => {
      const create = ops.create(title);
      return { id: opId(create), commit: writePack(path, { author, ops: [create], editClock: nextClock(), createClock: nextClock() }) };
    };
    const damage = (name: string, reason: RegExp, make: () => { id: string; head: string }) => {
      const { id, head } = make();
      updateRef(path, `refs/bugs/${id}`, head);
      cases.set(id, reason);
      return id;
    };

    damage('malformed JSON', /malformed operation pack JSON/, () => {
      const r = rootOf('malformed');
      return {
        id: r.id,
        head: writePack(path, { author, ops: [], rawOps: '{"author":{"id":"x"', editClock: nextClock(), parents: [r.commit] }),
      };
    });
    damage('missing ops entry', /no "ops" entry/, () => {
      const r = rootOf('no ops');
      return { id: r.id, head: writePack(path, { author, ops: [], noOps: true, editClock: nextClock(), parents: [r.commit] }) };
    });
    damage('unknown format version', /unsupported format version 5/, () => {
      const create = ops.create('from the future');
      return { id: opId(create), head: writePack(path, { author, ops: [create], version: 5, editClock: nextClock(), createClock: 1 }) };
    });
    damage('id does not match the ref', /does not match the ref/, () => {
      const r = rootOf('misfiled');
      return { id: 'f'.repeat(64), head: r.commit };
    });
    damage('clock goes backwards', /lamport clock order does not match the DAG/, () => {
      const r = rootOf('backwards');
      return { id: r.id, head: writePack(path, { author, ops: [ops.comment('late')], editClock: 1, parents: [r.commit] }) };
    });
    damage('clock jumps', /jumps the edit clock/, () => {
      const r = rootOf('jumpy');
      return { id: r.id, head: writePack(path, { author, ops: [ops.comment('far')], editClock: 5_000_000, parents: [r.commit] }) };
    });
    damage('root without create clock', /no creation lamport time/, () => {
      const create = ops.create('no create clock');
      return { id: opId(create), head: writePack(path, { author, ops: [create], editClock: nextClock() }) };
    });
    damage('merge commit with operations', /merge commit .* carries operations/, () => {
      const r = rootOf('busy merge');
      const a = writePack(path, { author, ops: [ops.comment('a')], editClock: nextClock(), parents: [r.commit] });
      const b = writePack(path, { author, ops: [ops.comment('b')], editClock: nextClock(), parents: [r.commit] });
      return { id: r.id, head: writePack(path, { author, ops: [ops.comment('in the merge')], editClock: nextClock(), parents: [a, b] }) };
    });
    const ghost = 'a'.repeat(64);
    damage('missing identity', new RegExp(`unknown identity ${ghost}`), () => {
      const create = ops.create('by nobody');
      return {
        id: opId(create),
        head: writePack(path, { author: ghost, ops: [create], editClock: nextClock(), createClock: nextClock() }),
      };
    });
    damage('unknown operation type', /unknown operation type 42/, () => {
      const r = rootOf('odd op');
      return {
        id: r.id,
        head: writePack(path, { author, ops: [{ type: 42, timestamp: 1, nonce: 'x' }], editClock: nextClock(), parents: [r.commit] }),
      };
    });
    damage('malformed operation', /set-status operation: unknown status 7/, () => {
      const r = rootOf('bad status');
      return {
        id: r.id,
        head: writePack(path, {
          author,
          ops: [{ type: 4, timestamp: 1, nonce: 'x', status: 7 }],
          editClock: nextClock(),
          parents: [r.commit],
        }),
      };
    });
    damage('first operation is not create', /first operation is add-comment/, () => {
      const c = ops.comment('orphan');
      return { id: opId(c), head: writePack(path, { author, ops: [c], editClock: nextClock(), createClock: nextClock() }) };
    });
    damage('missing git object', /git object .*(missing|not found)/i, () => {
      const r = rootOf('lost parent');
      // A commit naming a parent that is not in the repository.
      const tree = git(path, ['rev-parse', `${r.commit}^{tree}`]);
      const text = `tree ${tree}\nparent ${'1'.repeat(40)}\nauthor  <> 1 +0000\ncommitter  <> 1 +0000\n\n`;
      const orphan = git(path, ['hash-object', '-t', 'commit', '-w', '--literally', '--stdin'], text);
      return { id: r.id, head: orphan };
    });
    repo = await load(path);
  });

  it('reports each damaged bug with its id and reason', () => {
    const got = new Map(repo.damaged.map((d) => [d.id, d.reason]));
    for (const [id, reason] of cases) {
      expect(got.get(id), `bug ${id}`).toMatch(reason);
    }
    expect(repo.damaged).toHaveLength(cases.size);
    const unsupported = repo.damaged.filter((d) => d.code === 'unsupported_format');
    expect(unsupported).toHaveLength(1);
    expect(unsupported[0].version).toBe(5);
  });

  it('keeps the good bug intact', () => {
    expect(repo.bugs.map((b) => b.id)).toEqual([goodId]);
    expect(repo.bugs[0].comments.map((c) => c.message)).toEqual(['', 'still fine']);
  });
});

describe('a second create operation', () => {
  it('is ignored, as git-bug ignores it when reading', async () => {
    const path = initBare(`${tmp.path}/two-creates.git`);
    const author = writeIdentity(path, { name: 'Ada' });
    writeBug(path, author, [[ops.create('the real title', 'body')], [ops.create('an impostor', 'other body'), ops.comment('after')]]);
    const repo = await load(path);
    expect(repo.damaged).toEqual([]);
    expect(repo.bugs[0].title).toBe('the real title');
    expect(repo.bugs[0].comments.map((c) => c.message)).toEqual(['body', 'after']);
  });
});
