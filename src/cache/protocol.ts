// The one message type between the main thread and a repository's worker.
// Both sides are typed from here: the manager's `call` and the worker's
// handler table, so a request and its reply cannot drift apart.

import type { WireError } from '../errors.js';
import type { GitBackend } from '../git/open.js';
import type { Bug, BugExcerpt, DamagedBug, Identity } from '../gitbug/types.js';

/**
 * The repository a worker serves, sent with its first request (`open`): a
 * thread starts, and loads its modules, before it belongs to one (the
 * manager's spare).
 */
export interface WorkerConfig {
  repoPath: string;
  backend: GitBackend;
  /** lets tests crash a worker on purpose (the `fault` request) */
  allowFaults: boolean;
  /** the repository's persisted index (DATA/cache/<name>.sqlite); absent: compile into memory */
  indexFile?: string;
}

export interface ListRequest {
  kind: 'list';
  /** git-bug query; undefined means the default `status:open`, '' means every bug */
  q: string | undefined;
  page: number;
  perPage: number;
}

export interface BugRequest {
  kind: 'bug';
  prefix: string;
}

export interface IdentityRequest {
  kind: 'identity';
  prefix: string;
}

/** The full id a bug or identity prefix names (any letter case); a cheap step before a cached `bug`. */
export interface ResolveRequest {
  kind: 'resolve';
  what: 'bug' | 'identity';
  prefix: string;
}

export interface StatsRequest {
  kind: 'stats';
}

/** Builds the cache (first call on a fresh worker) and reports its stats. */
export interface OpenRequest {
  kind: 'open';
  /** the manager's first request to a worker carries it, and the worker keeps it */
  config?: WorkerConfig;
}

/**
 * Does part of what an open left for after its answer (CacheStats.pending):
 * a first build's index write (the build answered from memory), or the list
 * rows of an index opened for pages first. The manager sends it again until
 * `done`, so other requests queue behind one step at most.
 */
export interface PersistRequest {
  kind: 'persist';
}

export interface PersistReply {
  done: boolean;
  /** a first build's index was written (done, with no notices) */
  wrote: boolean;
  /** the index file's size once done */
  indexBytes: number;
  /** problems writing it (then the worker goes on from memory), for the manager to log once */
  notices: string[];
}

/**
 * Lists the refs again: true when they are still those the worker's build
 * read (the manager then trusts a ref stamp that changed without a ref
 * change: a racy one settling, refs packed).
 */
export interface VerifyRequest {
  kind: 'verify';
}

/**
 * To a spare, before it has a repository: run an open of `config`'s
 * repository that changes nothing (rehearseOpen), so the code a real open
 * runs is compiled before a visitor waits for it. The spare stays a spare.
 */
export interface RehearseRequest {
  kind: 'rehearse';
  config: WorkerConfig;
}

/**
 * Test hook (only with WorkerConfig.allowFaults): makes a worker crash, run out
 * of memory, or answer slowly so that a call is surely in flight.
 */
export interface FaultRequest {
  kind: 'fault';
  fault: 'crash' | 'oom' | 'slow';
  ms?: number;
}

export type WorkerRequest =
  | ListRequest
  | BugRequest
  | IdentityRequest
  | ResolveRequest
  | StatsRequest
  | OpenRequest
  | PersistRequest
  | VerifyRequest
  | RehearseRequest
  | FaultRequest;
export type RequestKind = WorkerRequest['kind'];
export type RequestOf<K extends RequestKind> = Extract<WorkerRequest, { kind: K }>;

export interface ListReply {
  /** bugs matching the whole query */
  total: number;
  /** bugs matching the query without its status qualifier, by status */
  open: number;
  closed: number;
  page: number;
  perPage: number;
  bugs: BugExcerpt[];
  /** bugs that could not be compiled; the list goes on without them */
  damaged: DamagedBug[];
}

/**
 * A bug page as the worker sends it: its API JSON (exactly `JSON.stringify` of
 * the API's bug) as UTF-8 bytes. Bytes, not a string or an object: the worker
 * moves their buffer to the main thread (a 651-comment bug's 1.2 MB, where
 * cloning the string costs ~1.5 ms and the object graph ~4 ms), so it must be
 * one made for the reply, never one the worker keeps; they are the HTTP API's
 * body as they are. bugOf() reads the object where a page needs it.
 */
export interface BugJson {
  /** the bug's full id (whatever prefix was asked) */
  id: string;
  json: Uint8Array;
}

/** The bug a BugJson holds, parsed. */
export function bugOf(reply: BugJson): Bug {
  return parseBugJson(reply.json);
}

/** A bug's API JSON bytes, parsed (read in place, not copied). */
export function parseBugJson(json: Uint8Array): Bug {
  return JSON.parse(Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8')) as Bug;
}

export interface CacheStats {
  bugs: number;
  identities: number;
  damaged: number;
  buildMs: number;
  heapUsedBytes: number;
  /** full: compiled every bug; incremental: only what changed since the index was written */
  kind: 'full' | 'incremental';
  /** bugs compiled by the build */
  refreshed: number;
  /** the index file's size after the build (0 without one) */
  indexBytes: number;
  /** the open left work for later (PersistRequest): a first build's index write, or the list rows */
  pending: boolean;
  /** problems with the index file (discarded, not writable), for the manager to log once */
  notices: string[];
}

export interface Replies {
  list: ListReply;
  bug: BugJson;
  identity: Identity;
  resolve: string;
  stats: CacheStats;
  open: CacheStats;
  persist: PersistReply;
  verify: boolean;
  /** whether it ran (only a spare's first request does) */
  rehearse: boolean;
  fault: CacheStats;
}

export type ReplyOf<K extends RequestKind> = Replies[K];

/**
 * A list as the worker sends it: its excerpts as one JSON array. A worker
 * keeps each bug's excerpt JSON once made, so a page is a join of 50
 * strings, and the main thread parses one string: a third of the cost of
 * cloning 50 excerpt objects across (measured: ~0.35 ms serialized and
 * deserialized, ~0.13 ms to parse the same 19 KB).
 */
export interface ListWire extends Omit<ListReply, 'bugs'> {
  bugsJson: string;
}

/** What a worker sends for each kind: the reply itself, but a list as ListWire. */
type WireReplies = Omit<Replies, 'list'> & { list: ListWire };
export type WireOf<K extends RequestKind> = WireReplies[K];

/** The reply a worker's answer stands for (the main thread's side of ListWire). */
export function fromWireReply<K extends RequestKind>(kind: K, wire: WireOf<K>): ReplyOf<K> {
  if (kind !== 'list') return wire as unknown as ReplyOf<K>;
  const { bugsJson, ...rest } = wire as ListWire;
  return { ...rest, bugs: JSON.parse(bugsJson) as BugExcerpt[] } satisfies ListReply as ReplyOf<K>;
}

/** A worker never throws across the boundary: it answers with one of these. */
export type WorkerResult<K extends RequestKind = RequestKind> = { ok: true; value: WireOf<K> } | { ok: false; error: WireError };

/** The worker's side: one handler per request kind. */
export type Handlers = { [K in RequestKind]: (req: RequestOf<K>) => WireOf<K> | Promise<WireOf<K>> };
