// bugserve's compiled bugs against an independent reference compiler
// (test/reference/gitbug_reference.py, written from git-bug's Go sources, not
// from bugserve's code), bug by bug and field by field, on: the real git-bug
// corpus, a repository from `bugserve gen` with a seed picked at random per run
// (printed; BUGSERVE_REF_SEED replays one), and a hand-made repository of the
// cases that are easy to get wrong (raw op bytes, concurrent packs, edits that
// do nothing, label order, editedAt of a no-op, invalid UTF-8).

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { ensureBuilt } from '../helpers/build.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS_BUGS, loadCorpus, PROJECT_ROOT } from '../helpers/corpus.js';
import {
  commit,
  initBare,
  nextClock,
  opId,
  ops,
  tempDir,
  updateRef,
  writeIdentity,
  writeChain,
  writePack,
} from '../helpers/git-bug-writer.js';

const CLI = resolve(PROJECT_ROOT, 'dist/src/cli.js');
const REFERENCE = resolve(PROJECT_ROOT, 'test/reference/gitbug_reference.py');
const BACKENDS = ['cat-file', 'isomorphic-git'];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Bug = { [k: string]: Json };

const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

function byId(bugs: Bug[]): Map<string, Bug> {
  const map = new Map<string, Bug>();
  for (const b of bugs) map.set(b.id as string, b);
  return map;
}

function jsonLines(text: string): Bug[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Bug);
}

/** The reference's bugs, damaged ones as { id, damaged }; its notes go to the log. */
function runReference(dir: string): Map<string, Bug> {
  const r = spawnSync('python3', [REFERENCE, dir], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`reference failed (${r.status}): ${r.stderr}`);
  const notes = r.stderr.split('\n').filter((l) => l.startsWith('note:'));
  if (notes.length) console.info(`reference notes for ${dir}:\n  ${notes.join('\n  ')}`);
  return byId(jsonLines(r.stdout));
}

/** `bugserve bugs DIR --json`: bugs on stdout (timeline dropped), damaged ones on stderr. */
function runBugserve(dir: string, backend: string): Map<string, Bug> {
  const r = spawnSync('node', [CLI, 'bugs', dir, '--json', '--backend', backend], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`bugserve bugs failed (${r.status}): ${r.stderr}`);
  const bugs = jsonLines(r.stdout).map(({ timeline: _timeline, ...rest }) => rest);
  for (const line of r.stderr.split('\n')) {
    const m = /^damaged bug (\S+): (.*)$/.exec(line);
    if (m) bugs.push({ id: m[1], damaged: m[2] });
  }
  return byId(bugs);
}

const iso = (unix: number) => new Date(unix * 1000).toISOString().replace('.000Z', 'Z');
// U+FFFD and C1 controls escaped too, so that differences in them can be seen
const show = (v: Json | undefined) =>
  v === undefined
    ? '(absent)'
    : JSON.stringify(v)
        .replace(/[\u007f-\u009f\ufffd]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
        .slice(0, 300);

/** Every difference as "bug <id> <field>: bugserve <v> | reference <v>". */
function differences(bugserve: Map<string, Bug>, reference: Map<string, Bug>): string[] {
  const out: string[] = [];
  const ids = [...new Set([...bugserve.keys(), ...reference.keys()])].sort();
  for (const id of ids) {
    const a = bugserve.get(id);
    const b = reference.get(id);
    if (!a || !b) {
      out.push(`bug ${id}: ${a ? 'only bugserve has it' : 'only the reference has it'}`);
      continue;
    }
    if ('damaged' in a || 'damaged' in b) {
      if (!('damaged' in a && 'damaged' in b)) out.push(`bug ${id} damaged: bugserve ${show(a.damaged)} | reference ${show(b.damaged)}`);
      continue;
    }
    for (const field of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const x = a[field];
      const y = b[field];
      if (JSON.stringify(x) === JSON.stringify(y)) continue;
      if (field === 'comments' && Array.isArray(x) && Array.isArray(y) && x.length === y.length) {
        x.forEach((c, i) => {
          const d = y[i] as Bug;
          for (const k of [...new Set([...Object.keys(c as Bug), ...Object.keys(d)])].sort()) {
            const cv = (c as Bug)[k];
            if (JSON.stringify(cv) !== JSON.stringify(d[k]))
              out.push(`bug ${id} comments[${i}].${k}: bugserve ${show(cv)} | reference ${show(d[k])}`);
          }
        });
      } else {
        out.push(`bug ${id} ${field}: bugserve ${show(x)} | reference ${show(y)}`);
      }
    }
  }
  return out;
}

function expectSame(bugserve: Map<string, Bug>, reference: Map<string, Bug>): void {
  const diff = differences(bugserve, reference);
  const shown = diff.slice(0, 60).join('\n');
  expect(diff, `${diff.length} difference(s) between bugserve and the reference:\n${shown}`).toEqual([]);
}

const tmp = tempDir('bugserve-reference-');
afterAll(() => tmp.remove());

beforeAll(() => {
  ensureBuilt();
});

describe('the real git-bug corpus', () => {
  let dir: string;
  let reference: Map<string, Bug>;
  beforeAll(() => {
    dir = loadCorpus(join(tmp.path, 'corpus.git'));
    reference = runReference(dir);
  });

  it('the reference reads every bug of the corpus', () => {
    expect(reference.size).toBe(CORPUS_BUGS);
    expect([...reference.values()].filter((b) => 'damaged' in b)).toEqual([]);
  });

  for (const backend of BACKENDS) {
    it(`bugserve (${backend}) compiles every bug as the reference does`, () => {
      expectSame(runBugserve(dir, backend), reference);
    });
  }
});

describe('a generated repository with a random seed', () => {
  const seed = Number(process.env.BUGSERVE_REF_SEED ?? Math.floor(Math.random() * 1_000_000_000));
  let dir: string;
  let reference: Map<string, Bug>;
  beforeAll(() => {
    console.info(`reference.test.ts: bugserve gen --seed ${seed} (replay with BUGSERVE_REF_SEED=${seed})`);
    dir = join(tmp.path, `gen-${seed}.git`);
    execFileSync('node', [CLI, 'gen', dir, '--bugs', '150', '--identities', '40', '--comments', '6', '--seed', String(seed)]);
    reference = runReference(dir);
  });

  it(`the reference reads all 150 bugs (seed ${seed})`, () => {
    expect(reference.size).toBe(150);
    expect([...reference.values()].filter((b) => 'damaged' in b)).toEqual([]);
  });

  for (const backend of BACKENDS) {
    it(`bugserve (${backend}) compiles every bug as the reference does (seed ${seed})`, () => {
      expectSame(runBugserve(dir, backend), reference);
    });
  }
});

// --- the hand-made repository ------------------------------------------------

const EMPTY_BLOB = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';
const plumb = (dir: string, args: string[], input?: string | Buffer) =>
  execFileSync('git', ['--git-dir', dir, ...args], { input })
    .toString()
    .trim();

/** A pack whose ops blob is given byte for byte (whitespace, escapes, bad UTF-8 kept). */
function writeRawPack(dir: string, blob: Buffer, editClock: number, createClock: number | undefined, parents: string[]): string {
  const ops = plumb(dir, ['hash-object', '-w', '--stdin'], blob);
  plumb(dir, ['hash-object', '-w', '--stdin'], '');
  const entries = [`100644 blob ${EMPTY_BLOB}\tversion-4`, `100644 blob ${ops}\tops`, `100644 blob ${EMPTY_BLOB}\tedit-clock-${editClock}`];
  if (createClock !== undefined) entries.push(`100644 blob ${EMPTY_BLOB}\tcreate-clock-${createClock}`);
  const tree = plumb(dir, ['mktree'], entries.join('\n') + '\n');
  return commit(dir, tree, parents);
}

/** An identity with two versions: the second one renames it. */
function writeRenamedIdentity(dir: string): string {
  const version = (name: string, n: string) =>
    JSON.stringify({
      version: 2,
      times: { 'bugs-create': 1, 'bugs-edit': 1 },
      unix_time: 1700000000,
      name,
      email: 'r@example.org',
      nonce: n,
    });
  const v1 = version('Old Name', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=');
  const v2 = version('New Name', 'BBBBBBBBBBBBBBBBBBBBBBBBBBB=');
  let parent: string | undefined;
  for (const v of [v1, v2]) {
    const tree = plumb(dir, ['mktree'], `100644 blob ${plumb(dir, ['hash-object', '-w', '--stdin'], v)}\tversion\n`);
    const text = [
      `tree ${tree}`,
      ...(parent ? [`parent ${parent}`] : []),
      'author  <> 1700000000 +0000',
      'committer  <> 1700000000 +0000',
      '',
      '',
    ].join('\n');
    parent = plumb(dir, ['hash-object', '-t', 'commit', '-w', '--stdin'], text);
  }
  const id = sha256(v1);
  updateRef(dir, `refs/identities/${id}`, parent!);
  return id;
}

interface Crafted {
  dir: string;
  ids: Record<string, string>;
  people: Record<string, string>;
  expectedConcurrentTitle: string;
  lateTs: number;
}

function craft(dir: string): Crafted {
  initBare(dir);
  const people = {
    ada: writeIdentity(dir, { name: 'Ada Lovelace', login: 'ada' }),
    grace: writeIdentity(dir, { name: 'Grace Hopper' }),
    octo: writeIdentity(dir, { login: 'octocat' }), // no name: shown by login
    linus: writeIdentity(dir, { name: 'Linus', login: 'torvalds' }),
    renamed: writeRenamedIdentity(dir),
  };
  const ids: Record<string, string> = {};

  // 1. Raw bytes: whitespace around and inside ops, escaped characters. Ids
  // are the sha256 of each op's bytes exactly as they stand in the array.
  {
    const create =
      '{ "type" : 1 ,"timestamp":1700000000,"nonce":"AAAAAAAAAAAAAAAAAAAAAAAAAAA=",\n "title":"caf\\u00e9 \\u0026 bar \\/ baz","message":"line\\none\\ttab","files":null}';
    const comment = '{"type":3,"timestamp":1700000100,"nonce":"AQAAAAAAAAAAAAAAAAAAAAAAAAA=","message":"caf\u00e9 raw","files":[]}';
    const blob = Buffer.from(`{"author":{"id":"${people.ada}"},\n  "ops": [\n    ${create} ,\r\n\t${comment}\n  ]\n}\n`);
    const root = writeRawPack(dir, blob, nextClock(), nextClock(), []);
    const edit = `{"type":6,"timestamp":1700000200,"nonce":"AgAAAAAAAAAAAAAAAAAAAAAAAAA=","target":"${sha256(comment)}","message":"edited raw","files":null}`;
    const head = writeRawPack(dir, Buffer.from(`{"author":{"id":"${people.grace}"},"ops":[ ${edit} ]}`), nextClock(), undefined, [root]);
    ids.raw = sha256(create);
    updateRef(dir, `refs/bugs/${ids.raw}`, head);
  }

  // 2. Concurrent packs: two branches from the same parent with equal edit
  // clocks (ordered by pack id), one branch a pack longer, and a merge whose
  // ops are null.
  let expectedConcurrentTitle = '';
  {
    const create = ops.create('concurrent', 'body');
    const root = writeChain(dir, people.ada, [[create]]);
    const c = nextClock();
    const left = [ops.setTitle('from ada', 'concurrent', 1700001000)];
    const right = [ops.setTitle('from grace', 'concurrent', 1700001001), ops.labels(['right'], [], 1700001002)];
    const leftHead = writePack(dir, { author: people.ada, ops: left, editClock: c, parents: [root] });
    let rightHead = writePack(dir, { author: people.grace, ops: right, editClock: c, parents: [root] });
    rightHead = writePack(dir, {
      author: people.grace,
      ops: [ops.comment('one more on the right', 1700001003)],
      editClock: nextClock(),
      parents: [rightHead],
    });
    const merge = writePack(dir, {
      author: people.ada,
      ops: [],
      rawOps: `{"author":{"id":"${people.ada}"},"ops":null}`,
      editClock: nextClock(),
      parents: [leftHead, rightHead],
    });
    const leftId = sha256(JSON.stringify({ author: { id: people.ada }, ops: left }));
    const rightId = sha256(JSON.stringify({ author: { id: people.grace }, ops: right }));
    expectedConcurrentTitle = leftId < rightId ? 'from grace' : 'from ada'; // the later pack wins
    ids.concurrent = opId(create);
    updateRef(dir, `refs/bugs/${ids.concurrent}`, merge);
  }

  // 3. Edits that do nothing, edits that do, and a last op that changes
  // nothing but still sets editedAt (timestamps out of order on purpose).
  const lateTs = 1600000000;
  {
    const create = ops.create('edits', 'first body', 1700002000);
    const comment = ops.comment('a comment', 1700002100);
    const title = ops.setTitle('edits renamed', 'edits', 1700002200);
    const laterComment = ops.comment('written after the edit aimed at it', 1700002900);
    let h = writePack(dir, { author: people.ada, ops: [create, comment, title], editClock: nextClock(), createClock: nextClock() });
    h = writePack(dir, {
      author: people.octo,
      ops: [ops.edit(opId(title), 'edit of a title: nothing')],
      editClock: nextClock(),
      parents: [h],
    });
    h = writePack(dir, {
      author: people.linus,
      ops: [ops.edit(sha256('no such op'), 'edit of nothing')],
      editClock: nextClock(),
      parents: [h],
    });
    h = writePack(dir, { author: people.renamed, ops: [ops.edit(opId(laterComment), 'too early')], editClock: nextClock(), parents: [h] });
    h = writePack(dir, {
      author: people.grace,
      ops: [laterComment, ops.edit(opId(comment), 'the comment, edited', 1700003000)],
      editClock: nextClock(),
      parents: [h],
    });
    h = writePack(dir, {
      author: people.grace,
      ops: [ops.edit(opId(create), 'the body, edited', 1700003100)],
      editClock: nextClock(),
      parents: [h],
    });
    h = writePack(dir, {
      author: people.linus,
      ops: [ops.noop(1700003200), ops.setMetadata(opId(comment), { k: 'v' }, lateTs)],
      editClock: nextClock(),
      parents: [h],
    });
    ids.edits = opId(create);
    updateRef(dir, `refs/bugs/${ids.edits}`, h);
  }

  // 4. Labels: add and remove in one op, removing an absent label, byte order
  // (upper case before lower case, accented letters last), status changes.
  {
    const create = ops.create('labels', '');
    const head = writeChain(dir, people.octo, [
      [create, ops.labels(['b', 'a', 'Z', 'é', 'a', 'É', 'x'], ['b', 'x'])],
      [ops.labels([], ['not there'])],
      [ops.status(2), ops.status(1), ops.status(2)],
    ]);
    ids.labels = opId(create);
    updateRef(dir, `refs/bugs/${ids.labels}`, head);
  }

  // 5. An identity with two versions is shown by its newest one.
  {
    const create = ops.create('by a renamed person', 'hello');
    ids.renamed = opId(create);
    updateRef(dir, `refs/bugs/${ids.renamed}`, writeChain(dir, people.renamed, [[create]]));
  }

  // 6. Invalid UTF-8 in a message: git-bug (Go) puts one U+FFFD per bad byte,
  // and the op id is still the sha256 of the raw bytes.
  {
    const create = Buffer.concat([
      Buffer.from('{"type":1,"timestamp":1700004000,"nonce":"AwAAAAAAAAAAAAAAAAAAAAAAAAA=","title":"bad bytes","message":"a'),
      Buffer.from([0xff, 0x41, 0xe2, 0x82, 0x42]),
      Buffer.from('","files":null}'),
    ]);
    const blob = Buffer.concat([Buffer.from(`{"author":{"id":"${people.linus}"},"ops":[`), create, Buffer.from(']}')]);
    const root = writeRawPack(dir, blob, nextClock(), nextClock(), []);
    ids.badUtf8 = sha256(create);
    updateRef(dir, `refs/bugs/${ids.badUtf8}`, root);
  }

  return { dir, ids, people, expectedConcurrentTitle, lateTs };
}

describe('a hand-made repository of the easy-to-miss cases', () => {
  let c: Crafted;
  let reference: Map<string, Bug>;
  beforeAll(() => {
    c = craft(join(tmp.path, 'crafted.git'));
    reference = runReference(c.dir);
  });

  // The reference itself is checked against values worked out by hand, so a
  // mistake both programs share does not pass unseen.
  it('the reference compiles the cases as git-bug would', () => {
    const get = (k: string) => reference.get(c.ids[k]) as Bug & { comments: Bug[] };
    expect([...reference.values()].filter((b) => 'damaged' in b)).toEqual([]);

    const raw = get('raw');
    expect(raw.title).toBe('café & bar / baz');
    expect(raw.comments.map((x) => [x.message, x.edited])).toEqual([
      ['line\none\ttab', false],
      ['edited raw', true],
    ]);
    expect(raw.actors).toEqual([c.people.ada, c.people.grace]);

    const concurrent = get('concurrent');
    expect(concurrent.title).toBe(c.expectedConcurrentTitle);
    expect(concurrent.labels).toEqual(['right']);
    expect(concurrent.participants).toEqual([c.people.ada, c.people.grace]);

    const edits = get('edits');
    expect(edits.title).toBe('edits renamed');
    expect(edits.comments.map((x) => [x.message, x.edited])).toEqual([
      ['the body, edited', true],
      ['the comment, edited', true],
      ['written after the edit aimed at it', false],
    ]);
    expect(edits.actors).toEqual([c.people.ada, c.people.grace]); // octo, linus, renamed edited nothing
    expect(edits.participants).toEqual([c.people.ada, c.people.grace]);
    expect(edits.createdAt).toBe(iso(1700002000));
    expect(edits.editedAt).toBe(iso(c.lateTs)); // the last op in order, not the newest timestamp

    const labels = get('labels');
    expect(labels.labels).toEqual(['Z', 'a', 'É', 'é']);
    expect(labels.status).toBe('closed');
    expect(labels.author).toEqual({ id: c.people.octo, name: 'octocat' });

    expect(get('renamed').author).toEqual({ id: c.people.renamed, name: 'New Name' });

    expect(get('badUtf8').comments[0].message).toBe('a\uFFFDA\uFFFD\uFFFDB');
  });

  for (const backend of BACKENDS) {
    it(`bugserve (${backend}) compiles every case as the reference does`, () => {
      expectSame(runBugserve(c.dir, backend), reference);
    });
  }
});
