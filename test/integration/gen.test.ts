// `bugserve gen`: the bytes it writes are checked on their own (ids recomputed
// from the blobs, tree entries, commit headers, clocks, fsck), the JSON
// encoder is checked against every operation of the real git-bug corpus, and
// bugserve's reader must compile the repository to the generator's own model.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/commands/args.js';
import { run as runGen, spec as genSpec } from '../../src/commands/gen.js';
import { UsageError } from '../../src/usage-error.js';

const gen = (args: string[]) => runGen(parseCommand(genSpec, args)!);
import { generate } from '../../src/gen/generate.js';
import { encodeVersion } from '../../src/gen/identities.js';
import { encodePack, opJson, type EncodedOp, type OpSpec } from '../../src/gen/ops.js';
import type { GeneratedRepo } from '../../src/gen/types.js';
import { openGitStore, type GitBackend } from '../../src/git/open.js';
import { combineIds } from '../../src/gitbug/id.js';
import { loadRepository } from '../../src/gitbug/load.js';
import { loadCorpus } from '../helpers/corpus.js';

const EMPTY_BLOB = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';
const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const git = (dir: string, ...args: string[]) => execFileSync('git', ['--git-dir', dir, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });

interface GitObject {
  type: string;
  data: Buffer;
}

/** Every object of the repository, read at once with `git cat-file --batch-all-objects`. */
function readAllObjects(dir: string): Map<string, GitObject> {
  const out = execFileSync('git', ['--git-dir', dir, 'cat-file', '--batch-all-objects', '--batch'], { maxBuffer: 1 << 30 });
  const objects = new Map<string, GitObject>();
  let i = 0;
  while (i < out.length) {
    const nl = out.indexOf(10, i);
    const [oid, type, size] = out.subarray(i, nl).toString().split(' ');
    const data = out.subarray(nl + 1, nl + 1 + Number(size));
    objects.set(oid, { type, data });
    i = nl + 2 + Number(size);
  }
  return objects;
}

interface Commit {
  tree: string;
  parents: string[];
  raw: string;
}

function parseCommit(data: Buffer): Commit {
  const raw = data.toString('utf8');
  const tree = /^tree ([0-9a-f]{40})$/m.exec(raw)![1];
  const parents = [...raw.matchAll(/^parent ([0-9a-f]{40})$/gm)].map((m) => m[1]);
  return { tree, parents, raw };
}

function parseTree(data: Buffer): Map<string, { mode: string; oid: string }> {
  const entries = new Map<string, { mode: string; oid: string }>();
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(32, i);
    const nul = data.indexOf(0, sp);
    entries.set(data.subarray(sp + 1, nul).toString(), {
      mode: data.subarray(i, sp).toString(),
      oid: data.subarray(nul + 1, nul + 21).toString('hex'),
    });
    i = nul + 21;
  }
  return entries;
}

/** The raw JSON of each operation, exactly as it stands inside the `ops` array; null for `"ops":null`. */
function rawOps(blob: string): string[] | null {
  const at = blob.indexOf('},"ops":');
  if (at < 0) throw new Error(`no ops in ${blob.slice(0, 100)}`);
  const rest = blob.slice(at + 8);
  if (rest === 'null}') return null;
  const out: string[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 2 && c === '{') start = i;
    } else if (c === ']' || c === '}') {
      depth--;
      if (depth === 1 && c === '}') out.push(rest.slice(start, i + 1));
      if (depth === 0) break;
    }
  }
  return out;
}

/** Rebuilds an operation spec from parsed JSON, to re-encode it with the generator's encoder. */
function specOf(op: any): OpSpec {
  const base = { timestamp: op.timestamp, nonce: op.nonce, metadata: op.metadata };
  switch (op.type) {
    case 1:
      return { ...base, type: 1, title: op.title, message: op.message };
    case 2:
      return { ...base, type: 2, title: op.title, was: op.was };
    case 3:
      return { ...base, type: 3, message: op.message };
    case 4:
      return { ...base, type: 4, status: op.status };
    case 5:
      return { ...base, type: 5, added: op.added, removed: op.removed };
    case 6:
      return { ...base, type: 6, target: op.target, message: op.message };
    case 7:
      return { ...base, type: 7 };
    case 8:
      return { ...base, type: 8, target: op.target, newMetadata: op.new_metadata };
    default:
      throw new Error(`unknown op type ${op.type}`);
  }
}

// Field order of each operation type as git-bug's Go structs marshal them.
const FIELDS: Record<number, string[]> = {
  1: ['title', 'message', 'files'],
  2: ['title', 'was'],
  3: ['message', 'files'],
  4: ['status'],
  5: ['added', 'removed'],
  6: ['target', 'message', 'files'],
  7: [],
  8: ['target', 'new_metadata'],
};

const tmp = mkdtempSync(join(tmpdir(), 'bugserve-gen-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('bugserve gen', () => {
  const path = join(tmp, 'a.git');
  let repo: GeneratedRepo;
  let objects: Map<string, GitObject>;
  let bugRefs: Map<string, string>;
  let identityRefs: Map<string, string>;

  const commitOf = (oid: string) => parseCommit(objects.get(oid)!.data);
  const treeOf = (oid: string) => parseTree(objects.get(commitOf(oid).tree)!.data);
  const blob = (oid: string) => objects.get(oid)!.data.toString('utf8');
  const editClock = (oid: string) => Number([...treeOf(oid).keys()].find((n) => n.startsWith('edit-clock-'))!.slice(11));
  const packIdOf = (oid: string) => sha256(objects.get(treeOf(oid).get('ops')!.oid)!.data);
  /** every commit of an entity, from its head through all parents */
  const dagOf = (head: string): string[] => {
    const seen = new Set([head]);
    const queue = [head];
    for (let i = 0; i < queue.length; i++) {
      for (const p of commitOf(queue[i]).parents) {
        if (!seen.has(p)) {
          seen.add(p);
          queue.push(p);
        }
      }
    }
    return queue;
  };

  beforeAll(async () => {
    repo = await generate({ path, bugs: 60, identities: 20, comments: 8, seed: 1 });
    objects = readAllObjects(path);
    const refs = (prefix: string) =>
      new Map(
        git(path, 'for-each-ref', '--format=%(refname) %(objectname)', prefix)
          .trim()
          .split('\n')
          .map((l) => l.split(' ') as [string, string]),
      );
    bugRefs = refs('refs/bugs/');
    identityRefs = refs('refs/identities/');
  });

  it('writes one ref per bug and identity, named by their ids, as loose refs', () => {
    expect(bugRefs.size).toBe(60);
    expect(identityRefs.size).toBe(20);
    expect([...bugRefs.keys()].sort()).toEqual(repo.bugs.map((b) => `refs/bugs/${b.id}`).sort());
    expect([...identityRefs.keys()].sort()).toEqual(repo.identities.map((i) => `refs/identities/${i.id}`).sort());
    for (const ref of [...bugRefs.keys(), ...identityRefs.keys()]) expect(existsSync(join(path, ref))).toBe(true);
  });

  it('passes git fsck --strict', () => {
    const out = execFileSync('git', ['--git-dir', path, 'fsck', '--strict', '--no-dangling'], { encoding: 'utf8', stdio: 'pipe' });
    expect(out).toBe('');
  });

  it('is deterministic: the same seed gives the same refs and commits, another seed does not', async () => {
    const again = join(tmp, 'again.git');
    const other = join(tmp, 'other.git');
    await generate({ path: again, bugs: 60, identities: 20, comments: 8, seed: 1 });
    await generate({ path: other, bugs: 60, identities: 20, comments: 8, seed: 2 });
    const list = (dir: string) => git(dir, 'for-each-ref', '--format=%(objectname) %(refname)');
    expect(list(again)).toBe(list(path));
    expect(list(other)).not.toBe(list(path));
    expect(list(other).split('\n').length).toBe(list(path).split('\n').length);
  });

  it('writes commits the way git-bug does: empty name and email, no message', () => {
    for (const head of [...bugRefs.values(), ...identityRefs.values()]) {
      for (const oid of dagOf(head)) {
        expect(commitOf(oid).raw).toMatch(
          /^tree [0-9a-f]{40}\n(parent [0-9a-f]{40}\n)*author {2}<> \d+ [+-]\d{4}\ncommitter {2}<> \d+ [+-]\d{4}\n\n$/,
        );
      }
    }
  });

  it('names each bug by the sha256 of its create operation and lays out version-4 trees', () => {
    const createClocks: number[] = [];
    for (const [ref, head] of bugRefs) {
      const dag = dagOf(head);
      const roots = dag.filter((oid) => commitOf(oid).parents.length === 0);
      expect(roots).toHaveLength(1);
      for (const oid of dag) {
        const tree = treeOf(oid);
        const names = [...tree.keys()];
        const isRoot = oid === roots[0];
        expect(names.filter((n) => n.startsWith('create-clock-'))).toHaveLength(isRoot ? 1 : 0);
        expect(names.filter((n) => n.startsWith('edit-clock-'))).toHaveLength(1);
        expect(names).toContain('version-4');
        expect(names).toContain('ops');
        expect(names).toHaveLength(isRoot ? 4 : 3);
        for (const [name, e] of tree) {
          expect(e.mode).toBe('100644');
          if (name !== 'ops') expect(e.oid).toBe(EMPTY_BLOB);
        }
        // clocks grow along every edge
        for (const p of commitOf(oid).parents) expect(editClock(p)).toBeLessThan(editClock(oid));
        const ops = rawOps(blob(tree.get('ops')!.oid));
        // merge commits, and only they, carry no operations
        expect(ops === null).toBe(commitOf(oid).parents.length > 1);
      }
      const root = treeOf(roots[0]);
      createClocks.push(Number([...root.keys()].find((n) => n.startsWith('create-clock-'))!.slice(13)));
      const first = rawOps(blob(root.get('ops')!.oid))![0];
      expect(JSON.parse(first).type).toBe(1);
      expect(ref).toBe(`refs/bugs/${sha256(first)}`);
    }
    // one create counter for the repository, starting after 1
    expect(createClocks.sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 2));
  });

  it("writes every operation with git-bug's fields, in its order", () => {
    const seenTypes = new Set<number>();
    for (const head of bugRefs.values()) {
      for (const oid of dagOf(head)) {
        const text = blob(treeOf(oid).get('ops')!.oid);
        const pack = JSON.parse(text);
        expect(Object.keys(pack)).toEqual(['author', 'ops']);
        expect(Object.keys(pack.author)).toEqual(['id']);
        expect(identityRefs.has(`refs/identities/${pack.author.id}`)).toBe(true);
        for (const raw of rawOps(text) ?? []) {
          const op = JSON.parse(raw);
          seenTypes.add(op.type);
          const keys = Object.keys(op);
          const base = op.metadata ? ['type', 'timestamp', 'nonce', 'metadata'] : ['type', 'timestamp', 'nonce'];
          expect(keys).toEqual([...base, ...FIELDS[op.type]]);
          expect(Buffer.from(op.nonce, 'base64')).toHaveLength(20);
          if ('files' in op) expect(op.files).toBeNull();
          // html-sensitive characters only ever appear escaped, as Go writes them
          expect(raw).not.toMatch(/[<>&\u2028\u2029]/);
        }
      }
    }
    expect([...seenTypes].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('names each identity by the sha256 of its first version, with one `version` entry per commit', () => {
    let multi = 0;
    for (const [ref, head] of identityRefs) {
      const dag = dagOf(head);
      if (dag.length > 1) multi++;
      for (const oid of dag) {
        expect(commitOf(oid).parents.length).toBeLessThanOrEqual(1);
        expect([...treeOf(oid).keys()]).toEqual(['version']);
        const v = JSON.parse(blob(treeOf(oid).get('version')!.oid));
        expect(Object.keys(v).slice(0, 3)).toEqual(['version', 'times', 'unix_time']);
        expect(v.version).toBe(2);
      }
      const first = dag[dag.length - 1];
      expect(ref).toBe(`refs/identities/${sha256(objects.get(treeOf(first).get('version')!.oid)!.data)}`);
    }
    expect(multi).toBeGreaterThan(0);
  });

  it('joins concurrent edits with equal edit clocks by a merge commit, in both pack-id orders', () => {
    const orders: boolean[] = [];
    let endsWithMerge = 0;
    for (const head of bugRefs.values()) {
      if (commitOf(head).parents.length === 2) endsWithMerge++;
      for (const oid of dagOf(head)) {
        const parents = commitOf(oid).parents;
        if (parents.length !== 2) continue;
        const ancestors = parents.map((p) => new Set(dagOf(p)));
        // on each side, the first commit after the fork
        const sides = parents.map((p, i) => {
          let c = p;
          while (!ancestors[1 - i].has(commitOf(c).parents[0])) c = commitOf(c).parents[0];
          return c;
        });
        expect(editClock(sides[0])).toBe(editClock(sides[1]));
        expect(packIdOf(sides[0])).not.toBe(packIdOf(sides[1]));
        orders.push(packIdOf(sides[0]) < packIdOf(sides[1]));
        expect(blob(treeOf(oid).get('ops')!.oid)).toMatch(/^\{"author":\{"id":"[0-9a-f]{64}"\},"ops":null\}$/);
      }
    }
    expect(orders.length).toBe(repo.stats.merges);
    expect(orders.length).toBeGreaterThanOrEqual(4);
    expect(orders).toContain(true);
    expect(orders).toContain(false);
    expect(endsWithMerge).toBeGreaterThan(0);
    const modelOrders = repo.bugs.flatMap((b) => b.merges.map((m) => m.firstParentPackId < m.secondParentPackId));
    expect(modelOrders.sort()).toEqual(orders.sort());
  });

  it('generates the rare cases the reader must get right', () => {
    const all = repo.bugs;
    // edits that are no-ops: more edit operations written than edits applied
    const edits = all.reduce((n, b) => n + b.opCounts[6], 0);
    const applied = all.reduce((n, b) => n + b.comments.reduce((m, c) => m + c.edits, 0), 0);
    expect(edits).toBeGreaterThan(applied);
    expect(all.some((b) => b.comments[0].edited)).toBe(true);
    expect(all.some((b) => b.opCounts[7] > 0 && b.opCounts[8] > 0)).toBe(true);
    // labels whose UTF-8 order differs from JavaScript's UTF-16 order
    expect(all.some((b) => b.labels.includes('🐛 bug') && b.labels.includes('\uff30\uff11 fullwidth'))).toBe(true);
    expect(all.some((b) => b.title.length > 300)).toBe(true);
    expect(all.some((b) => b.title.includes('<script>'))).toBe(true);
    expect(all.some((b) => b.status === 'closed')).toBe(true);
    expect(repo.identities.some((i) => !i.name && i.login && i.displayName === i.login)).toBe(true);
    expect(repo.identities.some((i) => i.versions > 1)).toBe(true);
    // several operations by one author in one pack
    const packs = [...bugRefs.values()].flatMap((h) => dagOf(h)).map((c) => rawOps(blob(treeOf(c).get('ops')!.oid)));
    expect(packs.some((p) => p !== null && p.length > 1)).toBe(true);
  });

  for (const backend of ['cat-file', 'isomorphic-git'] as GitBackend[]) {
    it(`compiles to the generator's model with bugserve's reader (${backend})`, async () => {
      const store = openGitStore(path, backend);
      let loaded;
      try {
        loaded = await loadRepository(store);
      } finally {
        await store.close();
      }
      expect(loaded.damaged).toEqual([]);
      expect(loaded.bugs).toHaveLength(repo.bugs.length);
      const diffs: string[] = [];
      const same = (what: string, got: unknown, want: unknown) => {
        if (JSON.stringify(got) !== JSON.stringify(want))
          diffs.push(`${what}: got ${JSON.stringify(got)?.slice(0, 300)}, want ${JSON.stringify(want)?.slice(0, 300)}`);
      };
      const seconds = (iso: string) => Date.parse(iso) / 1000;
      const names = new Map(repo.identities.map((i) => [i.id, i.displayName]));
      for (const want of repo.identities) {
        const got = loaded.identities.get(want.id);
        if (!got) {
          diffs.push(`identity ${want.id} missing`);
          continue;
        }
        const w = `identity ${want.id.slice(0, 7)}`;
        same(`${w} displayName`, got.displayName, want.displayName);
        same(`${w} name`, got.name, want.name);
        same(`${w} login`, got.login, want.login);
        same(`${w} email`, got.email, want.email);
        same(`${w} avatarUrl`, got.avatarUrl, want.avatarUrl);
        same(`${w} updatedAt`, got.updatedAt, want.updatedAt);
      }
      const byId = new Map(loaded.bugs.map((b) => [b.id, b]));
      for (const want of repo.bugs) {
        const got = byId.get(want.id);
        if (!got) {
          diffs.push(`bug ${want.id} missing`);
          continue;
        }
        const w = `bug ${want.id.slice(0, 7)}`;
        same(`${w} title`, got.title, want.title);
        same(`${w} status`, got.status, want.status);
        same(`${w} labels`, got.labels, want.labels);
        same(`${w} author`, got.author, { id: want.authorId, name: names.get(want.authorId) });
        same(`${w} createdAt`, seconds(got.createdAt), want.createdAt);
        same(`${w} editedAt`, seconds(got.editedAt), want.editedAt);
        same(`${w} createClock`, got.createClock, want.createClock);
        same(`${w} editClock`, got.editClock, want.editClock);
        same(`${w} participants`, got.participants, want.participants);
        same(`${w} actors`, got.actors, want.actors);
        same(
          `${w} comments`,
          got.comments.map((c) => [c.id, c.author.id, c.author.name, seconds(c.createdAt), c.message, c.edited]),
          want.comments.map((c) => [combineIds(want.id, c.opId), c.authorId, names.get(c.authorId), c.createdAt, c.message, c.edited]),
        );
        same(
          `${w} timeline`,
          got.timeline.map((t) => [t.type, t.id, t.author.id, seconds(t.at)]),
          want.timeline.map((t) => [t.type, combineIds(want.id, t.opId), t.authorId, t.at]),
        );
      }
      expect(diffs.slice(0, 20)).toEqual([]);
    });
  }

  it('packs the refs on request', async () => {
    const packed = join(tmp, 'packed.git');
    const r = await generate({ path: packed, bugs: 3, identities: 2, comments: 2, seed: 5, packedRefs: true });
    const text = readFileSync(join(packed, 'packed-refs'), 'utf8');
    for (const b of r.bugs) {
      expect(text).toContain(`refs/bugs/${b.id}`);
      expect(existsSync(join(packed, 'refs/bugs', b.id))).toBe(false);
    }
  });
});

describe('bugserve gen (command, larger repository)', () => {
  it('gives a few bugs 500+ comments once there are 1,000 bugs', async () => {
    const path = join(tmp, 'large.git');
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (s: string) => (out.push(String(s)), true);
    let code: number;
    try {
      code = await gen([path, '--bugs', '1000', '--identities', '30', '--comments', '1', '--seed', '3']);
    } finally {
      process.stdout.write = write;
    }
    expect(code).toBe(0);
    expect(out.join('')).toMatch(/^wrote 1000 bugs, 30 identities, \d+ commits/);
    // count comments per bug straight from the packs
    const objects = readAllObjects(path);
    let big = 0;
    const heads = git(path, 'for-each-ref', '--format=%(objectname)', 'refs/bugs/').trim().split('\n');
    expect(heads).toHaveLength(1000);
    for (const head of heads) {
      let comments = 0;
      const queue = [head];
      const seen = new Set(queue);
      for (let i = 0; i < queue.length; i++) {
        const c = parseCommit(objects.get(queue[i])!.data);
        const ops = parseTree(objects.get(c.tree)!.data).get('ops')!.oid;
        for (const raw of rawOps(objects.get(ops)!.data.toString('utf8')) ?? []) if (raw.startsWith('{"type":3,')) comments++;
        for (const p of c.parents) {
          if (seen.has(p)) continue;
          seen.add(p);
          queue.push(p);
        }
      }
      if (comments >= 500) big++;
    }
    expect(big).toBeGreaterThanOrEqual(3);
  });

  it('rejects missing flags with a usage error and writes nothing', async () => {
    await expect(gen([join(tmp, 'x.git'), '--bugs', '3'])).rejects.toThrow(UsageError);
    await expect(gen([join(tmp, 'x.git'), '--bugs', '3'])).rejects.toThrow('--identities is required');
    expect(existsSync(join(tmp, 'x.git'))).toBe(false);
  });
});

describe("the JSON encoder against git-bug's own bytes (real corpus)", () => {
  it('re-encodes every operation, pack and identity version of the corpus byte for byte', () => {
    const dir = loadCorpus(join(tmp, 'corpus.git'));
    let ops = 0;
    let packs = 0;
    let versions = 0;
    const mismatches: string[] = [];
    for (const [oid, o] of readAllObjects(dir)) {
      if (o.type !== 'blob' || o.data.length === 0) continue;
      const text = o.data.toString('utf8');
      const parsed = JSON.parse(text);
      if ('ops' in parsed) {
        const raws = rawOps(text) ?? [];
        const encoded: EncodedOp[] = raws.map((raw) => {
          const spec = specOf(JSON.parse(raw));
          const json = opJson(spec);
          ops++;
          if (json !== raw) mismatches.push(`op in ${oid}:\n  got  ${json.slice(0, 400)}\n  want ${raw.slice(0, 400)}`);
          return { spec, json, id: sha256(json) };
        });
        packs++;
        if (!encodePack(parsed.author.id, encoded).equals(o.data)) mismatches.push(`pack ${oid}`);
      } else {
        versions++;
        const keys = Object.keys(parsed.times);
        const times = keys.length === 0 ? null : { create: parsed.times['bugs-create'], edit: parsed.times['bugs-edit'] };
        const v = {
          fields: {
            name: parsed.name ?? '',
            email: parsed.email ?? '',
            login: parsed.login ?? '',
            avatarUrl: parsed.avatar_url ?? '',
            metadata: parsed.metadata,
          },
          unixTime: parsed.unix_time,
          times,
          nonce: parsed.nonce,
        };
        if (!encodeVersion(v).equals(o.data)) mismatches.push(`identity version ${oid}: ${text.slice(0, 300)}`);
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(ops).toBeGreaterThan(4000);
    expect(packs).toBe(2501);
    expect(versions).toBe(285);
  });
});
