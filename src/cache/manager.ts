// GitBugCacheManager: one worker thread per repository, spawned on the first
// bug request (or taken from a prewarmed spare), kept warm while used, closed
// when idle, thrown away when the repository's bug refs change. Every
// interleaving of requests, builds, invalidations, idle expiry and shutdown
// is decided here, on the main thread, where all of it runs without locks
// (single-threaded event loop).

import { Piscina } from 'piscina';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { NotFoundError, UnavailableError, WorkerFailedError, fromWire } from '../errors.js';
import { DEFAULT_BACKEND } from '../git/open.js';
import { isRacy, refStamp } from '../git/ref-stamp.js';
import { manyLooseRefs, packRefs } from '../git/pack-refs.js';
import { isBareRepo, repoDir } from '../git/repo-path.js';
import { indexFileFor } from '../index/index-file.js';
import { isId } from '../gitbug/id.js';
import { createCacheMetrics, type CacheMetrics, type InvalidationReason } from './metrics.js';
import type { GitBackend as GitBackendName } from '../git/open.js';
import {
  fromWireReply,
  type CacheStats,
  type ReplyOf,
  type RequestKind,
  type RequestOf,
  type WorkerConfig,
  type WorkerResult,
} from './protocol.js';
import { DEFAULT_REPLY_CACHE_BYTES, ReplyCache } from './reply-cache.js';
import { workerEntry } from '../worker-file.js';

export type CacheMode = 'warm' | 'per-request';

export interface CacheOptions {
  /** DATA/repos */
  reposDir: string;
  /** DATA/cache: one persisted bug index per repository; absent, workers compile into memory */
  indexDir?: string;
  idleTimeoutMs?: number;
  maxWorkers?: number;
  mode?: CacheMode;
  backend?: GitBackendName;
  /** V8 old-space limit of each worker; one that exceeds it fails alone */
  workerHeapMb?: number;
  /** how long close() waits for calls in flight */
  closeTimeoutMs?: number;
  /** a build that takes longer fails (a hung git must not hold requests forever) */
  buildTimeoutMs?: number;
  allowFaults?: boolean;
  /** keep each entry's replies for repeated requests (off: every call asks the worker) */
  replyCache?: boolean;
  /** bytes the kept replies of all repositories may take together */
  replyCacheBytes?: number;
  /** pack a repository's refs once it has many loose git-bug refs (git-pack-refs.ts); on by default */
  packRefs?: boolean;
  /** the spare rehearses the open of a repository of at least this many bugs (REHEARSE_MIN_BUGS) */
  rehearseMinBugs?: number;
  /** repositories that may wait for a worker while maxWorkers are busy; beyond, 503 */
  openQueue?: number;
  /** how long a repository waits for a worker before its requests get a 503 */
  openWaitMs?: number;
  logger?: Logger;
  registry?: Registry;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;
// 2 cores and 24 GiB: a 10k-bug cache needs ~100 MB, so 16 warm repositories
// cost little memory while keeping enough popular ones hot.
export const DEFAULT_MAX_WORKERS = 16;
export const DEFAULT_WORKER_HEAP_MB = 1024;
export const DEFAULT_BUILD_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_OPEN_QUEUE = 64;
export const DEFAULT_OPEN_WAIT_MS = 30_000;
/**
 * A worker used this recently is not evicted to make room: under a flood of
 * first requests to many repositories, the ones in use keep their workers and
 * the flood waits for the rest (LRU alone would hand every slot to the flood).
 */
const EVICTION_GRACE_MS = 1_000;
/**
 * A worker's young generation: V8's default for a thread reserves several
 * times this, and a warm worker's rows live in the old generation anyway;
 * measured, 8 MB cut a 10k-bug worker's RSS by about 20 MB at no cost to its build.
 */
const WORKER_YOUNG_GENERATION_MB = 8;
/**
 * The smallest repository whose open the spare rehearses: a cold open of a
 * few hundred bugs takes tens of milliseconds, and rehearsing for every small
 * repository a visitor browses through is work (and heap) for nothing.
 */
const REHEARSE_MIN_BUGS = 1000;
// A stamp is racy for 25 ms after a write (2 s on whole-second filesystems);
// confirmStamp waits that long at most, then lets the next request compare.
const RACY_WAIT_MS = 10;
const RACY_WAIT_MAX_MS = 2_500;

type Ending = 'invalidated' | 'evicted' | 'idle' | 'failed' | 'broken' | 'closed';

let generations = 0;

/** One repository's worker and its bookkeeping. */
class Entry {
  /** names this entry's data in the reply cache; a new build is a new generation */
  readonly generation = ++generations;
  inFlight = 0;
  /** when the last call left (performance.now()) */
  lastUsed = 0;
  built = false;
  /** compiled bugs, once built */
  bugs = 0;
  /** proving that a changed ref stamp hides no ref change (see confirmStamp) */
  confirming: Promise<void> | undefined;
  /** packing the repository's refs once the build is finished (see packLooseRefs) */
  housekeeping: Promise<void> | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  /** set once the entry leaves the map; the worker may still finish calls */
  ending: Ending | undefined;
  /** why the worker was failed on purpose (a build timeout) */
  failure: string | undefined;
  destroyed = false;
  ready!: Promise<CacheStats>;
  /** what the build left for after its answer (a first index write, the list rows), under way */
  finishing: Promise<void> | undefined;

  constructor(
    readonly name: string,
    readonly path: string,
    readonly pool: Piscina,
    /** the refs' state when the build started */
    public stamp: string,
  ) {}
}

/** Requests for repositories that wait for a worker thread (insertion order is the queue). */
interface Waiter {
  open(): Entry;
  /** calls waiting for this open; each enters the entry when it opens */
  callers: number;
  promise: Promise<Entry>;
  resolve(entry: Entry): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class GitBugCacheManager {
  private readonly entries = new Map<string, Entry>();
  private readonly waiting = new Map<string, Waiter>();
  private onceCount = 0;
  /** retries makeRoom when recently used workers are all that could make room */
  private roomTimer: NodeJS.Timeout | undefined;
  private readonly replies: ReplyCache | undefined;
  /** every entry with a live pool, current or draining */
  private readonly live = new Set<Entry>();
  /**
   * A started thread, its modules loaded, that belongs to no repository yet:
   * the next open takes it instead of paying thread start and module loading.
   */
  private spare: Piscina | undefined;
  /** spare pools alive (the current one, and any being destroyed): they count against maxWorkers */
  private readonly spares = new Set<Piscina>();
  private spareTimer: NodeJS.Timeout | undefined;
  /** the spare's rehearsal, started or to start (see replenish) */
  private rehearsal: Promise<void> | undefined;
  /** when a call last left (performance.now()): no spare is kept past the idle timeout */
  private lastUse = 0;
  private readonly destroying = new Set<Promise<void>>();
  /**
   * Repository path -> its refs being packed: one at a time per repository,
   * and close() waits for them, or git would go on writing in a repository after it.
   */
  private readonly packing = new Map<string, Promise<void>>();
  private inFlight = 0;
  private closing = false;
  private readonly opts: Required<Omit<CacheOptions, 'logger' | 'registry' | 'indexDir' | 'replyCacheBytes'>> & { indexDir?: string };
  private readonly log: Logger;
  readonly registry: Registry;
  private readonly metrics: CacheMetrics;

  constructor(options: CacheOptions) {
    this.opts = {
      reposDir: options.reposDir,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      maxWorkers: Math.max(1, options.maxWorkers ?? DEFAULT_MAX_WORKERS),
      mode: options.mode ?? 'warm',
      backend: options.backend ?? DEFAULT_BACKEND,
      workerHeapMb: options.workerHeapMb ?? DEFAULT_WORKER_HEAP_MB,
      closeTimeoutMs: options.closeTimeoutMs ?? 10_000,
      buildTimeoutMs: options.buildTimeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS,
      allowFaults: options.allowFaults ?? false,
      replyCache: options.replyCache ?? true,
      indexDir: options.indexDir,
      openQueue: options.openQueue ?? DEFAULT_OPEN_QUEUE,
      openWaitMs: options.openWaitMs ?? DEFAULT_OPEN_WAIT_MS,
      packRefs: options.packRefs ?? true,
      rehearseMinBugs: options.rehearseMinBugs ?? REHEARSE_MIN_BUGS,
    };
    this.replies = this.opts.replyCache ? new ReplyCache(options.replyCacheBytes ?? DEFAULT_REPLY_CACHE_BYTES) : undefined;
    this.log = (options.logger ?? pino({ level: 'silent' })).child({ component: 'cache' });
    this.registry = options.registry ?? new Registry();
    this.metrics = createCacheMetrics(this.registry, options.indexDir);
  }

  /** Sends a request to the repository's worker, starting it if needed. */
  async call<K extends RequestKind>(repo: string, req: RequestOf<K>): Promise<ReplyOf<K>> {
    if (this.closing) throw new UnavailableError('the server is shutting down');
    // A warm entry's path was checked when it opened; a repository deleted since
    // changes its ref stamp, and reopening checks again.
    const path = this.entries.get(repo)?.path ?? this.pathOf(repo);
    if (this.opts.mode === 'per-request') return this.callOnce(repo, path, req);
    // The entry in the map was opened after the last invalidation, so its data
    // is fresh enough for this call even if another push invalidates it while
    // the call waits: the call stays with it (requests that start after that
    // push get a new entry). Moving calls to each newer build instead would
    // starve them whenever pushes come faster than a build.
    const opened = this.getOrOpen(repo, path);
    const entry = opened instanceof Entry ? opened : await opened;
    try {
      await entry.ready;
      const replies = this.replies;
      if (!replies || !ReplyCache.memoizable(req.kind)) return await this.run(entry, req);
      let keyed: RequestOf<K> = req;
      if (req.kind === 'bug' || req.kind === 'identity') {
        // Kept under the full id, however the prefix was typed: one copy per bug.
        const prefix = (req as RequestOf<'bug' | 'identity'>).prefix.toLowerCase();
        const id = isId(prefix)
          ? prefix
          : await replies.get(entry.generation, { kind: 'resolve', what: req.kind, prefix }, () =>
              this.run(entry, { kind: 'resolve', what: req.kind as 'bug' | 'identity', prefix }),
            );
        keyed = { ...req, prefix: id };
      }
      return await replies.get(entry.generation, keyed, () => this.run(entry, keyed));
    } finally {
      this.leave(entry);
    }
  }

  private async run<K extends RequestKind>(entry: Entry, req: RequestOf<K>): Promise<ReplyOf<K>> {
    const result = await entry.pool.run(req).catch((err: unknown) => {
      throw this.threadFailure(entry, err);
    });
    return unwrap(req.kind, result);
  }

  /**
   * The warm worker for a repository, or a new one, entered for one call (the
   * caller leaves it). Sync when it can be: two requests arriving together see
   * the same entry and wait for one build. At maxWorkers threads a new
   * repository waits for one to go idle (a bounded queue, then 503).
   */
  private getOrOpen(repo: string, path: string, ahead = false): Entry | Promise<Entry> {
    if (this.closing) throw new UnavailableError('the server is shutting down');
    const entry = this.entries.get(repo);
    if (entry) {
      const stamp = refStamp(path);
      // A racy stamp settling, or refs being packed: wait for the proof, then look again.
      if (stamp !== entry.stamp && entry.confirming) return entry.confirming.then(() => this.getOrOpen(repo, path));
      // Changes that came without a hook (a fetch, git-bug on the server):
      // this call opens the replacement below.
      if (stamp !== entry.stamp) {
        this.invalidate(repo, 'refs-changed', false);
      } else {
        if (entry.built) this.metrics.hits.inc();
        // Map order is the LRU order for eviction.
        this.entries.delete(repo);
        this.entries.set(repo, entry);
        this.enter(entry);
        return entry;
      }
    }
    return this.admit(repo, () => this.open(repo, path, ahead));
  }

  /**
   * Runs `open` now if a worker thread may start, else queues it until one
   * has stopped. Threads alive (draining ones included) never exceed
   * maxWorkers; the returned entry is entered once for each caller.
   */
  private admit(key: string, open: () => Entry): Entry | Promise<Entry> {
    const queued = this.waiting.get(key);
    if (queued) {
      queued.callers++;
      return queued.promise;
    }
    if (this.waiting.size === 0) {
      // Taking the spare starts no thread, so it needs no room.
      if (!this.spare) this.makeRoom(1);
      if (this.spare || this.threadsAlive() < this.opts.maxWorkers) {
        const entry = open();
        this.enter(entry);
        return entry;
      }
    }
    if (this.waiting.size >= this.opts.openQueue) {
      throw new UnavailableError('too many repositories are being opened at once; try again');
    }
    let resolve!: (e: Entry) => void;
    let reject!: (err: Error) => void;
    const promise = new Promise<Entry>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const timer = setTimeout(() => {
      if (this.waiting.get(key) !== waiter) return;
      this.waiting.delete(key);
      reject(new UnavailableError('every cache worker is busy; try again'));
    }, this.opts.openWaitMs);
    timer.unref();
    const waiter: Waiter = { open, callers: 1, promise, resolve, reject, timer };
    this.waiting.set(key, waiter);
    this.makeRoom(this.waiting.size);
    return promise;
  }

  /** Starts queued opens while threads are free (called whenever one stops). */
  private wake(): void {
    for (const [key, w] of this.waiting) {
      if (!this.spare && this.threadsAlive() >= this.opts.maxWorkers) return;
      this.waiting.delete(key);
      clearTimeout(w.timer);
      let entry: Entry;
      try {
        entry = w.open();
      } catch (err) {
        w.reject(err as Error);
        continue;
      }
      for (let i = 0; i < w.callers; i++) this.enter(entry);
      w.resolve(entry);
    }
  }

  /** Throws the repository's cache away; the next request builds a new one. */
  invalidateCache(repo: string, reason: InvalidationReason = 'manual'): boolean {
    return this.invalidate(repo, reason, true);
  }

  /**
   * invalidateCache; `refreshAhead` false when a request is about to open the
   * replacement itself (its build starts at once: a refresh ahead would first
   * let a racy stamp settle).
   */
  private invalidate(repo: string, reason: InvalidationReason, refreshAhead: boolean): boolean {
    const entry = this.entries.get(repo);
    if (!entry) return false;
    this.metrics.invalidations.inc({ reason });
    this.log.info({ repo, reason }, 'cache invalidated');
    this.retire(entry, 'invalidated');
    // Refresh ahead: a warm repository is rebuilt at once (from its index,
    // only what changed), so a visitor a moment later finds it warm.
    if (refreshAhead && entry.built && this.opts.indexDir && this.opts.mode === 'warm' && !this.closing) {
      try {
        // getOrOpen enters the entry for a call; refreshing makes none.
        const opened = this.getOrOpen(repo, entry.path, true);
        if (opened instanceof Entry) this.leave(opened);
        else
          opened.then(
            (e) => this.leave(e),
            () => undefined,
          );
      } catch (err) {
        this.log.warn({ repo, err: (err as Error).message }, 'refresh ahead failed');
      }
    }
    return true;
  }

  /** Stops accepting, lets calls in flight finish (bounded), terminates every worker. */
  async close(): Promise<void> {
    if (this.closing) {
      await this.settle();
      return;
    }
    this.closing = true;
    clearTimeout(this.roomTimer);
    this.dropSpare();
    for (const [key, w] of this.waiting) {
      this.waiting.delete(key);
      clearTimeout(w.timer);
      w.reject(new UnavailableError('the server is shutting down'));
    }
    const deadline = Date.now() + this.opts.closeTimeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (this.inFlight > 0) this.log.warn({ inFlight: this.inFlight }, 'closing with calls still in flight');
    for (const entry of [...this.live]) {
      if (!entry.ending) this.entries.delete(entry.name);
      entry.ending ??= 'closed';
      this.destroy(entry);
    }
    await this.settle();
    await Promise.allSettled([...this.packing.values()]);
  }

  /** Test hook (allowFaults only): the spare's thread dies, as a crash would end it. */
  async crashSpare(): Promise<boolean> {
    if (!this.opts.allowFaults) throw new Error('fault injection is disabled');
    const thread = this.spare?.threads[0];
    if (!thread) return false;
    await thread.terminate();
    return true;
  }

  /** Names of repositories with a current (not draining) worker. */
  warmRepositories(): string[] {
    return [...this.entries.keys()];
  }

  /** Resolves once a warm repository's index is on disk (a first build writes it after answering) and its list rows are read. */
  async indexWritten(repo: string): Promise<void> {
    const entry = this.entries.get(repo);
    if (!entry) return;
    await entry.ready.catch(() => undefined);
    await entry.finishing;
  }

  /**
   * Resolves once a warm repository's worker has nothing left to do in the
   * background: indexWritten, its refs packed if they were to be, its ref
   * stamp confirmed, and the spare's latest rehearsal (which follows the
   * last build's housekeeping, whichever repository that was) done
   * (benchmarks measure from this quiet state).
   */
  async settled(repo: string): Promise<void> {
    await this.indexWritten(repo);
    const entry = this.entries.get(repo);
    await entry?.housekeeping;
    while (entry?.confirming) await entry.confirming;
    await this.rehearsal;
  }

  /** Worker threads alive right now, draining ones included. */
  workerThreads(): number {
    let n = 0;
    for (const e of this.live) n += e.pool.threads.length;
    for (const pool of this.spares) n += pool.threads.length;
    return n;
  }

  private pathOf(repo: string): string {
    const path = repoDir(this.opts.reposDir, repo);
    if (!isBareRepo(path)) throw new NotFoundError('repository', repo);
    return path;
  }

  /**
   * Starts a worker's build. A refresh ahead (`ahead`: nobody waits for it
   * yet) on a racy stamp lets the stamp settle first (25 ms here), which
   * spares the worker confirming it later; a request's build starts at once.
   */
  private open(repo: string, path: string, ahead = false): Entry {
    const spare = this.takeSpare();
    if (!spare) this.makeRoom(1);
    const stamp = refStamp(path);
    const entry = new Entry(repo, path, spare ?? this.spawn(), stamp);
    this.entries.set(repo, entry);
    this.live.add(entry);
    this.metrics.workers.set(this.threadsAlive());
    this.metrics.opens.inc();
    // A refresh ahead on a stamp taken right after the push waits for it to settle before listing the refs.
    const settling = ahead && isRacy(stamp);
    this.log.info({ repo, spare: spare !== undefined, settling }, 'cache worker started');
    const endTimer = this.metrics.buildSeconds.startTimer();
    const settled = settling ? this.settleStamp(entry) : Promise.resolve();
    entry.ready = settled
      .then(() => entry.pool.run({ kind: 'open', config: this.configFor(repo, path) }))
      .then(
        (result: WorkerResult<'open'>) => {
          const stats = unwrap('open', result);
          endTimer({ kind: stats.kind });
          this.metrics.refreshedBugs.inc(stats.refreshed);
          entry.built = true;
          entry.bugs = stats.bugs;
          for (const notice of stats.notices) this.log.warn({ repo }, notice);
          this.log.info(
            { repo, bugs: stats.bugs, damaged: stats.damaged, kind: stats.kind, refreshed: stats.refreshed, ms: Math.round(stats.buildMs) },
            'cache built',
          );
          if (stats.pending) entry.finishing = this.finish(entry);
          entry.housekeeping = (entry.finishing ?? Promise.resolve()).then(() => this.packLooseRefs(entry));
          return stats;
        },
        (err: unknown) => {
          throw this.threadFailure(entry, err);
        },
      );
    const timeout = setTimeout(() => {
      if (entry.built || entry.ending) return;
      entry.failure = `the cache build did not finish within ${Math.round(this.opts.buildTimeoutMs / 1000)} s`;
      this.metrics.workerFailures.inc();
      this.log.error({ repo }, entry.failure);
      this.retire(entry, 'failed');
    }, this.opts.buildTimeoutMs);
    timeout.unref();
    // Built on a stamp taken right after a ref write: prove it once it settles.
    if (isRacy(stamp) && !ahead) this.confirmStamp(entry);
    // A build that fails takes its entry with it, so the next request tries again.
    entry.ready.catch((err: unknown) => {
      if (entry.ending) return;
      this.log.warn({ repo, err: (err as Error).message }, 'cache build failed');
      this.retire(entry, 'broken');
    });
    entry.ready.finally(() => clearTimeout(timeout)).catch(() => {});
    // The next spare starts once this build is done, not competing with it for CPU.
    entry.ready.then(
      () => this.replenish(entry),
      () => undefined,
    );
    return entry;
  }

  /**
   * What a build left for after its answer, done now a step per task, so
   * requests queued meanwhile run between steps: a first build's index write
   * (it answered from memory), or the list rows of an index opened for pages
   * first. A worker retired before the end leaves no catalog, and the next
   * open starts over; one whose index turned out unreadable is retired (the
   * worker discarded the file) and the next open rebuilds it.
   */
  private async finish(entry: Entry): Promise<void> {
    const started = performance.now();
    // Calls that waited for the build go first: a bug page needs none of this.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      for (;;) {
        if (entry.ending) return;
        const step = unwrap('persist', await entry.pool.run({ kind: 'persist' }));
        if (!step.done) continue;
        for (const notice of step.notices) this.log.warn({ repo: entry.name }, notice);
        if (step.wrote) {
          this.metrics.indexWrites.inc();
          this.log.info({ repo: entry.name, bytes: step.indexBytes, ms: Math.round(performance.now() - started) }, 'bug index written');
        }
        return;
      }
    } catch (err) {
      if (entry.ending) return;
      this.log.warn({ repo: entry.name, err: (err as Error).message }, 'bug index not finished');
      this.retire(entry, 'broken');
    }
  }

  /**
   * The entry's ref stamp is about to change, or has, with no ref change we
   * know of: a stamp taken right after a push is "racy" (a second write in
   * the same clock tick would not change it) and loses that mark once the
   * repository has been quiet; packing refs rewrites the files the stamp
   * looks at. Once the stamp is not racy, the worker lists the refs again:
   * the refs it was built from, and the entry takes the new stamp; others,
   * and it is invalidated. The stamp is taken before that listing, so a push
   * after it changes the stamp again. Requests that see a changed stamp
   * meanwhile wait for the answer (getOrOpen) rather than rebuilding. It
   * starts once `after` (a pack under way) has settled.
   */
  private confirmStamp(entry: Entry, after?: Promise<unknown>): void {
    const confirming: Promise<void> = Promise.allSettled([entry.confirming ?? entry.ready, after])
      .then(async () => {
        const stamp = await this.unracyStamp(entry, refStamp(entry.path));
        // Still racy after RACY_WAIT_MAX_MS of pushes: the next request compares as usual.
        if (entry.ending || !entry.built || isRacy(stamp)) return;
        const same = unwrap('verify', await entry.pool.run({ kind: 'verify' }));
        if (entry.ending) return;
        if (same) entry.stamp = stamp;
        else this.invalidateCache(entry.name, 'refs-changed');
      })
      .catch((err: unknown) => {
        // A worker that failed is retired where its call failed; the next request compares stamps.
        if (!entry.ending) this.log.warn({ repo: entry.name, err: (err as Error).message }, 'ref stamp not confirmed');
      })
      .finally(() => {
        if (entry.confirming === confirming) entry.confirming = undefined;
      });
    entry.confirming = confirming;
  }

  /**
   * Once a build has finished, packs the repository's refs when many are
   * loose (pack-refs.ts), so the next open and every clone list them from
   * one file; the stamp that changes with them is then confirmed.
   */
  private packLooseRefs(entry: Entry): Promise<void> {
    if (!this.opts.packRefs || entry.ending || this.packing.has(entry.path)) return Promise.resolve();
    const run = this.packIfLoose(entry).finally(() => this.packing.delete(entry.path));
    this.packing.set(entry.path, run);
    return run;
  }

  private async packIfLoose(entry: Entry): Promise<void> {
    try {
      if (!(await manyLooseRefs(entry.path)) || entry.ending) return;
      const started = performance.now();
      const packing = packRefs(entry.path);
      // Confirmed from now: requests that see the stamp change while git packs
      // wait for the answer after it (getOrOpen), rather than rebuild.
      this.confirmStamp(entry, packing);
      await packing;
      this.log.info({ repo: entry.name, ms: Math.round(performance.now() - started) }, 'refs packed');
    } catch (err) {
      this.log.warn({ repo: entry.name, err: (err as Error).message }, 'refs not packed');
    }
  }

  /**
   * Waits (RACY_WAIT_MAX_MS at most) until the entry's stamp is no longer
   * racy, and takes that one: its build has not listed the refs yet, so no
   * write can hide in the stamp's clock tick. Requests that see the stamp
   * settle meanwhile wait for it (getOrOpen) rather than rebuild. Still racy
   * after that long: the build is confirmed afterwards, as a request's is.
   */
  private settleStamp(entry: Entry): Promise<void> {
    const settling = this.unracyStamp(entry, entry.stamp).then((stamp) => {
      entry.stamp = stamp;
    });
    const confirming: Promise<void> = settling.finally(() => {
      if (entry.confirming === confirming) entry.confirming = undefined;
      if (isRacy(entry.stamp) && !entry.ending) this.confirmStamp(entry, entry.ready);
    });
    entry.confirming = confirming;
    return settling;
  }

  /**
   * The repository's ref stamp once it is no longer racy, starting from
   * `stamp`: looked at again every RACY_WAIT_MS, RACY_WAIT_MAX_MS at most
   * (then still racy), or until the entry ends.
   */
  private async unracyStamp(entry: Entry, stamp: string): Promise<string> {
    for (let waited = 0; isRacy(stamp) && waited < RACY_WAIT_MAX_MS && !entry.ending; waited += RACY_WAIT_MS) {
      await new Promise((resolve) => setTimeout(resolve, RACY_WAIT_MS));
      stamp = refStamp(entry.path);
    }
    return stamp;
  }

  /** What a worker needs to serve a repository, sent with its first `open`. */
  private configFor(repo: string, path: string): WorkerConfig {
    return {
      repoPath: path,
      backend: this.opts.backend,
      allowFaults: this.opts.allowFaults,
      ...(this.opts.indexDir ? { indexFile: indexFileFor(this.opts.indexDir, repo) } : {}),
    };
  }

  /** A pool of one thread, which starts and loads the worker's modules at once. */
  private spawn(): Piscina {
    const pool = new Piscina({
      ...workerEntry('cache-worker'),
      minThreads: 1,
      maxThreads: 1,
      // Idle handling is ours (per repository, reset by each request).
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1,
      resourceLimits: { maxOldGenerationSizeMb: this.opts.workerHeapMb, maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    pool.on('error', (err: Error) => this.log.error({ err: err.message }, 'worker error'));
    return pool;
  }

  private threadsAlive(): number {
    return this.live.size + this.spares.size;
  }

  /**
   * Starts a spare for the next open when a thread is free for it: never
   * while opens wait for a thread, never beyond maxWorkers.
   */
  private replenish(built: Entry): void {
    if (this.spare || this.closing || this.opts.mode !== 'warm' || this.waiting.size > 0) return;
    if (this.threadsAlive() >= this.opts.maxWorkers) return;
    const pool = this.spawn();
    this.spare = pool;
    this.spares.add(pool);
    // Its first task, once the repository just built has its index written
    // and is quiet: an open of it that changes nothing, so that a real open
    // (after a push, the likeliest) runs compiled code. A real open that
    // comes meanwhile queues behind it, at most one open's time.
    if (built.bugs >= this.opts.rehearseMinBugs) this.rehearse(pool, built);
    // Its thread died (piscina would start another): drop it; the next open
    // spawns cold and starts a new spare after its build.
    pool.on('workerDestroy', () => {
      if (this.spare !== pool) return;
      this.metrics.workerFailures.inc();
      this.log.error('spare cache worker stopped');
      this.dropSpare();
    });
    this.metrics.workers.set(this.threadsAlive());
    this.armSpareTimer(this.opts.idleTimeoutMs);
  }

  /** The spare's rehearsal of `built`'s open (see replenish), once `built` is quiet. */
  private rehearse(pool: Piscina, built: Entry): void {
    this.rehearsal = Promise.resolve(built.housekeeping)
      .catch(() => undefined)
      .then(async () => {
        if (this.spare !== pool) return;
        const started = performance.now();
        const ran = await pool.run({ kind: 'rehearse', config: this.configFor(built.name, built.path) }).then(
          (result: WorkerResult<'rehearse'>) => result.ok && result.value,
          () => false,
        );
        if (ran) this.log.info({ repo: built.name, ms: Math.round(performance.now() - started) }, 'spare rehearsed');
      });
  }

  /** The spare's thread, now the caller's (its count moves from spares to live). */
  private takeSpare(): Piscina | undefined {
    const pool = this.spare;
    if (!pool) return undefined;
    this.spare = undefined;
    this.spares.delete(pool);
    clearTimeout(this.spareTimer);
    this.spareTimer = undefined;
    this.metrics.spareOpens.inc();
    return pool;
  }

  private dropSpare(): void {
    const pool = this.spare;
    if (!pool) return;
    this.spare = undefined;
    clearTimeout(this.spareTimer);
    this.spareTimer = undefined;
    // A tick later: when its thread has just died, piscina lists it until the
    // report of that death returns, and destroy() would wait for it forever.
    this.stopping(
      new Promise((resolve) => setImmediate(resolve)).then(() => pool.destroy()),
      'spare worker',
      () => this.spares.delete(pool),
    );
  }

  /** The spare goes once no call has been made for the idle timeout, like the workers it serves. */
  private armSpareTimer(ms: number): void {
    this.spareTimer = setTimeout(
      () => {
        this.spareTimer = undefined;
        const quiet = performance.now() - this.lastUse;
        if (this.inFlight === 0 && quiet >= this.opts.idleTimeoutMs) this.dropSpare();
        else this.armSpareTimer(this.inFlight > 0 ? this.opts.idleTimeoutMs : this.opts.idleTimeoutMs - quiet);
      },
      Math.max(1, Math.ceil(ms)),
    );
    this.spareTimer.unref();
  }

  /**
   * Closes least recently used idle workers until `reserve` more fit under the
   * bound. Busy ones are never taken from under their calls: opens wait for
   * them instead (admit).
   */
  private makeRoom(reserve: number): void {
    let staying = this.spare ? 1 : 0;
    for (const e of this.live) if (!e.destroyed) staying++;
    // The spare is the first to go: it serves no one yet.
    if (this.spare && staying + reserve > this.opts.maxWorkers) {
      this.dropSpare();
      staying--;
    }
    const now = performance.now();
    let retryIn = Infinity;
    for (const e of [...this.entries.values()]) {
      if (staying + reserve <= this.opts.maxWorkers) return;
      if (e.inFlight > 0) continue;
      // Recently used: evictable once its grace has passed (if someone still waits then).
      const grace = e.lastUsed + EVICTION_GRACE_MS - now;
      if (grace > 0) {
        retryIn = Math.min(retryIn, grace);
        continue;
      }
      staying--;
      this.metrics.evictions.inc();
      this.log.info({ repo: e.name }, 'cache evicted');
      this.retire(e, 'evicted');
    }
    if (retryIn !== Infinity && !this.roomTimer) {
      this.roomTimer = setTimeout(
        () => {
          this.roomTimer = undefined;
          if (this.waiting.size > 0 && !this.closing) this.makeRoom(this.waiting.size);
        },
        Math.ceil(retryIn) + 1,
      );
      this.roomTimer.unref();
    }
  }

  private enter(entry: Entry): void {
    entry.inFlight++;
    this.inFlight++;
    if (entry.idleTimer) {
      clearTimeout(entry.idleTimer);
      entry.idleTimer = undefined;
    }
  }

  private leave(entry: Entry): void {
    entry.inFlight--;
    this.inFlight--;
    this.lastUse = performance.now();
    if (entry.inFlight > 0) return;
    entry.lastUsed = performance.now();
    if (entry.ending) this.destroy(entry);
    else {
      this.armIdleTimer(entry);
      if (this.waiting.size > 0) this.makeRoom(this.waiting.size);
    }
  }

  private armIdleTimer(entry: Entry): void {
    entry.idleTimer = setTimeout(() => {
      entry.idleTimer = undefined;
      // A request that arrived meanwhile cleared this timer; this is a last guard.
      if (entry.inFlight > 0 || entry.ending) return;
      this.metrics.idleCloses.inc();
      this.log.info({ repo: entry.name }, 'cache closed after idle timeout');
      this.retire(entry, 'idle');
    }, this.opts.idleTimeoutMs);
    entry.idleTimer.unref();
  }

  /**
   * Takes an entry out of service. Calls already on it (answering, or waiting
   * for its build) finish first; a failed worker stops at once.
   */
  private retire(entry: Entry, ending: Ending): void {
    if (entry.ending) return;
    entry.ending = ending;
    if (this.entries.get(entry.name) === entry) this.entries.delete(entry.name);
    this.replies?.forget(entry.generation);
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
    if (ending === 'failed' || ending === 'broken' || entry.inFlight === 0) this.destroy(entry);
  }

  private destroy(entry: Entry): void {
    if (entry.destroyed) return;
    entry.destroyed = true;
    this.stopping(entry.pool.destroy(), 'worker', () => this.live.delete(entry));
  }

  /**
   * Tracks a pool being destroyed (close() settles them all); once it has
   * stopped, `forget` drops it from its set and waiting opens may start.
   */
  private stopping(destroyed: Promise<unknown>, what: string, forget: () => void): void {
    const done: Promise<void> = destroyed
      .then(
        () => undefined,
        (err: unknown) => this.log.warn({ err: (err as Error).message }, `${what} did not stop cleanly`),
      )
      .finally(() => {
        forget();
        this.destroying.delete(done);
        this.metrics.workers.set(this.threadsAlive());
        this.wake();
      });
    this.destroying.add(done);
  }

  private async settle(): Promise<void> {
    while (this.destroying.size > 0) await Promise.all([...this.destroying]);
  }

  /** A rejected worker task: the thread died, or we stopped it. */
  private threadFailure(entry: Entry, err: unknown): Error {
    if (this.closing) return new UnavailableError('the server is shutting down');
    // We stopped it (nobody was waiting on it): not a failure of the worker.
    if (entry.destroyed && entry.ending && entry.ending !== 'failed') {
      return new UnavailableError(`the cache of ${entry.name} was replaced; try again`);
    }
    const reason = entry.failure ?? describeFailure(err);
    // The first call to see the failure reports it; a draining entry fails too.
    if (entry.ending !== 'failed') {
      this.metrics.workerFailures.inc();
      this.log.error({ repo: entry.name, err: reason }, 'cache worker failed');
      if (entry.ending) {
        entry.ending = 'failed';
        this.destroy(entry);
      } else {
        this.retire(entry, 'failed');
      }
    }
    return new WorkerFailedError(entry.name, reason);
  }

  // ---- Benchmark only: the per-request mode -------------------------------
  // Not part of the warm cache's lifecycle above: no map entry, no reply
  // cache, no idle timer. It shares only the thread bound and shutdown.

  /** The naive design, for benchmarks: build, answer, discard. */
  private async callOnce<K extends RequestKind>(repo: string, path: string, req: RequestOf<K>): Promise<ReplyOf<K>> {
    const start = (): Entry => {
      const e = new Entry(repo, path, this.spawn(), '');
      this.live.add(e);
      this.metrics.workers.set(this.threadsAlive());
      this.metrics.opens.inc();
      return e;
    };
    const admitted = this.admit(`\0once:${++this.onceCount}`, start);
    const entry = admitted instanceof Entry ? admitted : await admitted;
    const run = <R extends RequestKind>(r: RequestOf<R>): Promise<WorkerResult<R>> =>
      entry.pool.run(r).catch((err: unknown) => {
        throw this.threadFailure(entry, err);
      });
    try {
      const endTimer = this.metrics.buildSeconds.startTimer();
      const stats = unwrap('open', await run({ kind: 'open', config: this.configFor(repo, path) }));
      endTimer({ kind: stats.kind });
      this.metrics.refreshedBugs.inc(stats.refreshed);
      return unwrap(req.kind, await run(req));
    } finally {
      entry.ending ??= 'closed';
      this.leave(entry);
    }
  }
}

function unwrap<K extends RequestKind>(kind: K, result: WorkerResult<K>): ReplyOf<K> {
  if (result.ok) return fromWireReply(kind, result.value);
  throw fromWire(result.error);
}

function describeFailure(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return 'the worker ran out of memory';
  return (err instanceof Error && err.message) || 'the worker stopped';
}
