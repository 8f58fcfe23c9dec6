// The cache worker entry, spawned by src/cache/manager.ts (one thread per
// repository, through src/worker-file.ts): builds the bug cache once (the
// `open` request: a diff of the refs against the persisted index, or a
// compile into memory) and answers every later request from it. Every reply
// is a WorkerResult, so nothing throws across the boundary and a rejected
// piscina task always means the thread itself failed. A thread may start as
// the manager's spare, before it has a repository: its first `open` names one.

import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { Piscina } from 'piscina';
import { collectGarbage } from '../src/cache/collect-garbage.js';
import { toWire } from '../src/errors.js';
import { openGitStore } from '../src/git/open.js';
import type { GitStore } from '../src/git/store.js';
import type { RepoView } from '../src/cache/repo-index.js';
import {
  currentRefs,
  openRepository,
  rehearseOpen,
  type OpenedRepository,
  type PendingWrite,
  type PreparedIndex,
} from '../src/index/open.js';
import type { BugJson, CacheStats, Handlers, WorkerConfig, WorkerRequest, WorkerResult } from '../src/cache/protocol.js';

/** Set by the first `open` (built() checks that it came, so build() may rely on it). */
let config!: WorkerConfig;

interface Built {
  index: RepoView;
  opened: Omit<OpenedRepository, 'view' | 'pending'>;
  /** a first build's index, written a step per PersistRequest (then the list rows are ready) */
  pending: PendingWrite | undefined;
  buildMs: number;
}

/** How long one persist step may hold the thread: requests wait behind at most this. */
const PERSIST_STEP_MS = 40;
/** The same for a step of reading the list rows (warm): shorter, as a push's visitors come right then. */
const WARM_STEP_MS = 10;

let building: Promise<Built> | undefined;

/**
 * What a spare's rehearsal leaves for the open it rehearsed (the push it
 * expects): the git store it read through, its cat-file still running, so
 * that open starts no process; and the index as it read it. Closed when the
 * spare opens another repository.
 */
let rehearsed: { config: WorkerConfig; store: GitStore; prepared?: PreparedIndex } | undefined;

/** A store for `c`'s repository, and the rehearsal's index: the rehearsal's when it read the same one. */
function rehearsedFor(c: WorkerConfig): { store: GitStore; prepared?: PreparedIndex } {
  const kept = rehearsed;
  rehearsed = undefined;
  const same = kept?.config.repoPath === c.repoPath && kept.config.backend === c.backend && kept.config.indexFile === c.indexFile;
  if (kept && same) return kept;
  if (kept) {
    void kept.store.close();
    kept.prepared?.db.close();
  }
  return { store: openGitStore(c.repoPath, c.backend) };
}

async function build(): Promise<Built> {
  const started = performance.now();
  const { store, prepared } = rehearsedFor(config);
  try {
    const { view, pending, ...opened } = await openRepository(store, config.indexFile, prepared);
    return { index: view, opened, pending, buildMs: performance.now() - started };
  } finally {
    await store.close();
  }
}

function built(): Promise<Built> {
  if (!config) return Promise.reject(new Error('the worker was not opened on a repository'));
  building ??= build();
  return building;
}

function stats(b: Built): CacheStats {
  return {
    bugs: b.index.bugCount,
    identities: b.index.identityCount,
    damaged: b.index.damagedCount,
    buildMs: b.buildMs,
    heapUsedBytes: getHeapStatistics().used_heap_size,
    kind: b.opened.kind,
    refreshed: b.opened.refreshed,
    indexBytes: b.opened.indexBytes,
    notices: b.opened.notices,
    pending: b.pending !== undefined || !b.index.listsReady,
  };
}

const handlers: Handlers = {
  open: async (req) => {
    if (!config && req.config) config = req.config;
    return stats(await built());
  },
  stats: async () => stats(await built()),
  list: async (req) => (await built()).index.list(req),
  bug: async (req) => (await built()).index.bugJson(req.prefix),
  identity: async (req) => (await built()).index.identity(req.prefix),
  persist: async () => {
    const b = await built();
    if (!b.pending) {
      const done = b.index.warm(WARM_STEP_MS);
      return { done, wrote: false, indexBytes: done ? b.opened.indexBytes : 0, notices: [] };
    }
    const step = b.pending.step(PERSIST_STEP_MS);
    if (!step.done) return { done: false, wrote: false, indexBytes: 0, notices: [] };
    // From here on the index answers, and the compiled bugs held in memory can go.
    b.pending = undefined;
    if (step.view) {
      b.index = step.view;
      // Now, between requests (15-50 ms here): a worker waiting for requests
      // allocates nothing, and would keep them until its idle timeout.
      collectGarbage();
    }
    b.opened = { ...b.opened, indexBytes: step.indexBytes, notices: [...b.opened.notices, ...step.notices] };
    return { done: true, wrote: step.view !== undefined, indexBytes: step.indexBytes, notices: step.notices };
  },
  verify: async () => {
    const b = await built();
    const store = openGitStore(config.repoPath, config.backend);
    try {
      return (await currentRefs(store)) === b.opened.refs;
    } finally {
      await store.close();
    }
  },
  resolve: async (req) => (await built()).index.resolve(req.what, req.prefix),
  rehearse: async (req) => {
    // Only a spare (the manager sends it once): a worker with a repository has run the real thing.
    if (config || !req.config.indexFile) return false;
    const { store, prepared: earlier } = rehearsedFor(req.config);
    earlier?.db.close();
    try {
      const prepared = await rehearseOpen(store, req.config.indexFile);
      rehearsed = { config: req.config, store, prepared };
    } catch {
      // Only a warm-up: the real open reports whatever is wrong.
      await store.close();
    }
    return true;
  },
  fault: async (req) => {
    if (!config?.allowFaults) throw new Error('fault injection is disabled');
    const b = await built();
    if (req.fault === 'crash') setImmediate(() => process.exit(70));
    if (req.fault === 'oom') {
      const hog: number[][] = [];
      for (;;) hog.push(new Array<number>(1 << 16).fill(hog.length));
    }
    await new Promise((resolve) => setTimeout(resolve, req.ms ?? 500));
    return stats(b);
  },
};

export default async function handle(req: WorkerRequest): Promise<WorkerResult> {
  try {
    const handler = handlers[req.kind] as (r: WorkerRequest) => unknown;
    const result: WorkerResult = { ok: true, value: (await handler(req)) as never };
    return req.kind === 'bug' ? moving(result, (result.value as BugJson).json) : result;
  } catch (err) {
    return { ok: false, error: toWire(err) };
  }
}

/**
 * `result`, with a bug page's bytes moved to the main thread rather than
 * copied (piscina's transferable protocol): a 1.2 MB page costs no copy and no
 * garbage here. Only a buffer the bytes fill alone, made for this reply (a
 * shared one, like Node's small-Buffer pool, is copied as usual).
 */
function moving(result: WorkerResult, bytes: Uint8Array): WorkerResult {
  const buffer = bytes.buffer;
  if (!(buffer instanceof ArrayBuffer) || bytes.byteOffset !== 0 || bytes.byteLength !== buffer.byteLength) return result;
  const transferable = { [Piscina.transferableSymbol]: [buffer], [Piscina.valueSymbol]: result };
  return Piscina.move(transferable as unknown as Parameters<typeof Piscina.move>[0]) as unknown as WorkerResult;
}
