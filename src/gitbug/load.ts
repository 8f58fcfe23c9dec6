// Compiles every bug and identity of a repository through a GitStore. A
// damaged entity is reported with its reason and the others load normally.

import { UnsupportedFormatError } from '../errors.js';
import { GitObjectError, type CommitInfo, type GitStore, type ReachableObjects } from '../git/store.js';
import { orderPacks, type PackCommit } from './dag.js';
import { FormatError, UnsupportedVersion } from './format-error.js';
import { deriveId, isId } from './id.js';
import { decodeIdentityVersion } from './identity.js';
import { decodePack, readPackHeader } from './pack.js';
import { BUGS_PREFIX, IDENTITIES_PREFIX } from './refs.js';
import { compileBug } from './snapshot.js';
import type { CompiledBug, DamagedBug, Identity, Person } from './types.js';

export interface LoadedRepository {
  bugs: CompiledBug[];
  identities: Map<string, Identity>;
  damaged: DamagedBug[];
  damagedIdentities: DamagedBug[];
  /** per bug compiled or damaged here: the ids of the identities its compilation looked up */
  uses: Map<string, string[]>;
  /** the refs read: ref name -> head */
  bugRefs: ReadonlyMap<string, string>;
  identityRefs: ReadonlyMap<string, string>;
}

export interface LoadOptions {
  /** entities read at once; enough to keep a pipelined store busy */
  concurrency?: number;
  /** refs already listed (an incremental open lists them first to diff) */
  refs?: { bugs: ReadonlyMap<string, string>; identities: ReadonlyMap<string, string> };
  /** an identity already compiled from this head, to use instead of reading it again */
  reuseIdentity?: (id: string, head: string) => Identity | undefined;
  /** which bugs to compile (all when absent); the others are left out of `bugs` and `damaged` */
  wantBug?: (id: string, head: string) => boolean;
}

/**
 * Reads the whole DAG of one entity from its head, as pack commits (parents
 * before their children's tree reads finish: one round trip per level of the
 * DAG, not three).
 */
async function readBugCommits(store: GitStore, head: string): Promise<PackCommit[]> {
  const packs: Promise<PackCommit>[] = [];
  const seen = new Set([head]);
  let level = [head];
  while (level.length > 0) {
    const commits = await Promise.all(level.map((oid) => store.readCommit(oid)));
    const next: string[] = [];
    commits.forEach((commit, i) => {
      const pack = readPack(store, level[i], commit);
      // Awaited below; a failure meanwhile is not unhandled.
      pack.catch(() => undefined);
      packs.push(pack);
      for (const p of commit.parents) {
        if (!seen.has(p)) {
          seen.add(p);
          next.push(p);
        }
      }
    });
    level = next;
  }
  return Promise.all(packs);
}

async function readPack(store: GitStore, oid: string, commit: CommitInfo): Promise<PackCommit> {
  const header = readPackHeader(await store.readTree(commit.tree));
  const pack = decodePack(await store.readBlob(header.opsOid));
  return { oid, parents: commit.parents, header, pack };
}

/**
 * The walk of readBugCommits over a bulk read, in the same order. Why a
 * second, synchronous walk: with every object in memory, a promise per object
 * (three per commit) cost more than the rest of the walk. Undefined when the
 * bulk read lacks an object: the caller then reads that entity object by object.
 */
function bugCommitsFrom(objects: ReachableObjects, head: string): PackCommit[] | undefined {
  const out: PackCommit[] = [];
  const seen = new Set([head]);
  const queue = [head];
  for (let i = 0; i < queue.length; i++) {
    const oid = queue[i];
    const commit = objects.commit(oid);
    const entries = commit && objects.tree(commit.tree);
    if (!entries) return undefined;
    const header = readPackHeader(entries);
    const blob = objects.blob(header.opsOid);
    if (!blob) return undefined;
    out.push({ oid, parents: commit.parents, header, pack: decodePack(blob) });
    for (const p of commit.parents) {
      if (!seen.has(p)) {
        seen.add(p);
        queue.push(p);
      }
    }
  }
  return out;
}

async function readIdentity(store: GitStore, id: string, head: string): Promise<Identity> {
  const versionBlob = async (oid: string) => {
    const commit = await store.readCommit(oid);
    const entry = (await store.readTree(commit.tree)).find((e) => e.name === 'version');
    if (!entry) throw new FormatError(`identity commit ${oid} has no "version" entry`);
    return { commit, blob: await store.readBlob(entry.oid) };
  };
  const newest = await versionBlob(head);
  const identity = decodeIdentityVersion(id, newest.blob);
  // The id is the hash of the first version: walk back to it.
  let first = newest;
  const seen = new Set([head]);
  while (first.commit.parents.length > 0) {
    const parent = first.commit.parents[0];
    if (seen.has(parent)) throw new FormatError('the identity history loops');
    seen.add(parent);
    first = await versionBlob(parent);
  }
  const firstId = deriveId(first.blob);
  if (firstId !== id) throw new FormatError(`the identity's first version hashes to ${firstId}, not to its ref's id`);
  return identity;
}

/** Turns a failure into the damage report of one entity, or rethrows what is not the entity's fault. */
function damage(id: string, err: unknown): DamagedBug {
  if (err instanceof UnsupportedVersion) {
    const reason = new UnsupportedFormatError(id, err.version).reason;
    return { id, code: 'unsupported_format', reason, version: err.version };
  }
  if (err instanceof FormatError) return { id, code: 'damaged_data', reason: err.message };
  if (err instanceof GitObjectError) return { id, code: 'damaged_data', reason: err.message };
  throw err;
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(runners);
}

function idFromRef(ref: string, prefix: string): string {
  return ref.slice(prefix.length);
}

/**
 * Up to this many tips are read object by object. A bulk read starts
 * processes (sh, rev-list, cat-file: 30-50 ms here, from a large process),
 * while the store's long-lived cat-file answers a round trip in a fraction of
 * a millisecond, and a history costs one per level of its DAG: the handful
 * of bugs a push changes is read sooner that way (their histories walked
 * side by side). Not many more: object by object, git answers more slowly
 * than in the bulk read's one stream.
 */
const SINGLE_READ_TIPS = 8;

/** One bulk read of every reachable object, when the store offers it and there are enough tips. */
async function bulkRead(store: GitStore, tips: string[]): Promise<ReachableObjects | undefined> {
  if (!store.readReachable || tips.length <= SINGLE_READ_TIPS) return undefined;
  try {
    return await store.readReachable(tips);
  } catch {
    // The stream failed as a whole: per-object reads find what is damaged.
    return undefined;
  }
}

/** Serves reads from a bulk read; single reads fill what it lacks (and find what is damaged). */
function prefetched(store: GitStore, objects: ReachableObjects | undefined): GitStore {
  if (!objects) return store;
  return {
    listRefs: (prefix) => store.listRefs(prefix),
    readCommit: async (oid) => objects.commit(oid) ?? store.readCommit(oid),
    readTree: async (oid) => objects.tree(oid) ?? store.readTree(oid),
    readBlob: async (oid) => objects.blob(oid) ?? store.readBlob(oid),
    close: () => store.close(),
  };
}

/**
 * Bugs are read in batches of about this many, and the next batch's bulk read
 * runs while this one compiles. Why: git writes the bulk read into a file
 * without this thread's help, so reading (git, another core) and compiling
 * (here) overlap instead of adding up; and only one batch's raw objects are
 * in memory at a time. Not smaller: each batch starts two git processes, and
 * batches of 500-600 measured slower than four large ones.
 */
const BATCH_BUGS = 2500;

/** Near-equal batches; always at least one (maybe empty). */
function batches<T>(items: T[]): T[][] {
  const count = Math.max(1, Math.round(items.length / BATCH_BUGS));
  const size = Math.max(1, Math.ceil(items.length / count));
  if (items.length === 0) return [[]];
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function loadRepository(gitStore: GitStore, opts: LoadOptions = {}): Promise<LoadedRepository> {
  const concurrency = opts.concurrency ?? 256;
  const [bugRefs, identityRefs] = opts.refs
    ? [opts.refs.bugs, opts.refs.identities]
    : await Promise.all([gitStore.listRefs(BUGS_PREFIX), gitStore.listRefs(IDENTITIES_PREFIX)]);
  const wantBug = opts.wantBug;
  const bugBatches = batches(wantBug ? [...bugRefs].filter(([ref, head]) => wantBug(idFromRef(ref, BUGS_PREFIX), head)) : [...bugRefs]);
  const identities = new Map<string, Identity>();
  const toRead: [string, string][] = [];
  for (const [ref, head] of identityRefs) {
    const known = opts.reuseIdentity?.(idFromRef(ref, IDENTITIES_PREFIX), head);
    if (known) identities.set(known.id, known);
    else toRead.push([ref, head]);
  }
  // The first read also brings the identities: every bug needs them.
  const readBatch = (i: number) => {
    const heads = bugBatches[i].map(([, head]) => head);
    return bulkRead(gitStore, [...new Set(i === 0 ? [...toRead.map(([, head]) => head), ...heads] : heads)]);
  };
  let nextRead = readBatch(0);
  const first = await nextRead;
  const identityStore = prefetched(gitStore, first);

  const damagedIdentities: DamagedBug[] = [];
  await forEachLimited(toRead, concurrency, async ([ref, head]) => {
    const id = idFromRef(ref, IDENTITIES_PREFIX);
    try {
      if (!isId(id)) throw new FormatError(`"${ref}" does not name a valid identity id`);
      identities.set(id, await readIdentity(identityStore, id, head));
    } catch (err) {
      damagedIdentities.push(damage(id, err));
    }
  });

  // One Person object per identity, shared by every bug that names it.
  const people = new Map<string, Person>();
  const person = (id: string): Person => {
    let p = people.get(id);
    if (!p) {
      const identity = identities.get(id);
      if (!identity) throw new FormatError(`unknown identity ${id} (no readable refs/identities/${id})`);
      p = { id, name: identity.displayName };
      people.set(id, p);
    }
    return p;
  };

  const bugs: CompiledBug[] = [];
  const damaged: DamagedBug[] = [];
  const uses = new Map<string, string[]>();
  for (let b = 0; b < bugBatches.length; b++) {
    const objects = await nextRead;
    if (b + 1 < bugBatches.length) nextRead = readBatch(b + 1);
    const store = prefetched(gitStore, objects);
    await forEachLimited(bugBatches[b], concurrency, async ([ref, head]) => {
      const id = idFromRef(ref, BUGS_PREFIX);
      // Which identities the bug names: a change to one of them changes the bug.
      const used = new Set<string>();
      const lookUp = (who: string): Person => {
        used.add(who);
        return person(who);
      };
      try {
        if (!isId(id)) throw new FormatError(`"${ref}" does not name a valid bug id`);
        const commits = (objects && bugCommitsFrom(objects, head)) ?? (await readBugCommits(store, head));
        bugs.push(compileBug(id, orderPacks(commits), lookUp));
      } catch (err) {
        damaged.push(damage(id, err));
      }
      uses.set(id, [...used]);
    });
  }

  bugs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  damaged.sort((a, b) => (a.id < b.id ? -1 : 1));
  return { bugs, identities, damaged, damagedIdentities, uses, bugRefs, identityRefs };
}
