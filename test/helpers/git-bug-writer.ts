// Writes git-bug data object by object with git plumbing, so tests can build
// exactly the DAG they need, damaged ones included. (`bugserve gen` writes
// realistic repositories in bulk; this is the scalpel.)

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const EMPTY_BLOB = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';

export function sha256(s: string | Buffer): string {
  return createHash('sha256').update(s).digest('hex');
}

export function git(repo: string, args: string[], input?: string | Buffer): string {
  return execFileSync('git', ['--git-dir', repo, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 28 }).trim();
}

export function tempDir(prefix = 'bugserve-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function initBare(path: string): string {
  execFileSync('git', ['init', '-q', '--bare', path]);
  return path;
}

function blob(repo: string, content: string | Buffer): string {
  return git(repo, ['hash-object', '-w', '--stdin'], content);
}

function tree(repo: string, entries: { name: string; oid: string; type?: 'blob' | 'tree' }[]): string {
  const lines = entries.map((e) => `${e.type === 'tree' ? '040000 tree' : '100644 blob'} ${e.oid}\t${e.name}`).join('\n');
  return git(repo, ['mktree'], lines + '\n');
}

// git-bug writes commits with an empty author; `git commit-tree` refuses that,
// so the commit object is written as text.
export function commit(repo: string, treeOid: string, parents: string[]): string {
  const text = [
    `tree ${treeOid}`,
    ...parents.map((p) => `parent ${p}`),
    'author  <> 1700000000 +0000',
    'committer  <> 1700000000 +0000',
    '',
    '',
  ].join('\n');
  return git(repo, ['hash-object', '-t', 'commit', '-w', '--stdin'], text);
}

export function updateRef(repo: string, ref: string, oid: string): void {
  git(repo, ['update-ref', ref, oid]);
}

let nonceCounter = 0;
/** base64 of 20 bytes, unique per call: keeps op ids distinct */
export function nonce(): string {
  const b = Buffer.alloc(20);
  b.writeUInt32BE(++nonceCounter, 0);
  b.writeUInt32BE(process.pid, 4);
  b.writeDoubleBE(Math.random(), 8);
  return b.toString('base64');
}

export interface IdentityInput {
  name?: string;
  login?: string;
  email?: string;
}

/** One identity version's JSON, as git-bug writes it (format version 2). */
function identityVersion(who: IdentityInput, clock: number, unixTime: number): string {
  return JSON.stringify({
    version: 2,
    times: { 'bugs-create': clock, 'bugs-edit': clock },
    unix_time: unixTime,
    name: who.name ?? '',
    email: who.email ?? '',
    login: who.login ?? '',
    nonce: nonce(),
  });
}

/** Writes a one-version identity; returns its id. */
export function writeIdentity(repo: string, who: IdentityInput): string {
  const version = identityVersion(who, 1, 1700000000);
  const id = sha256(version);
  const c = commit(repo, tree(repo, [{ name: 'version', oid: blob(repo, version) }]), []);
  updateRef(repo, `refs/identities/${id}`, c);
  return id;
}

/**
 * Writes a newer version of an identity (a rename, a new login) on top of its
 * head; with `ref: false` the commit is written but the ref is left alone.
 */
export function writeIdentityVersion(repo: string, id: string, who: IdentityInput, opts: { ref?: boolean } = {}): string {
  const head = git(repo, ['rev-parse', `refs/identities/${id}`]);
  const version = identityVersion(who, 2, 1700000500);
  const c = commit(repo, tree(repo, [{ name: 'version', oid: blob(repo, version) }]), [head]);
  if (opts.ref !== false) updateRef(repo, `refs/identities/${id}`, c);
  return c;
}

/** Writes a one-version identity without its ref (a bug naming it is damaged until the ref exists). */
export function writeUnreferencedIdentity(repo: string, who: IdentityInput): { id: string; head: string } {
  const version = identityVersion(who, 1, 1700000000);
  return { id: sha256(version), head: commit(repo, tree(repo, [{ name: 'version', oid: blob(repo, version) }]), []) };
}

export type Op = Record<string, unknown>;

export interface PackInput {
  author: string;
  ops: Op[];
  editClock: number;
  createClock?: number;
  parents?: string[];
  /** defaults to 4 */
  version?: number | string;
  /** replaces the ops blob entirely (malformed data) */
  rawOps?: string;
  /** leaves the ops entry out of the tree */
  noOps?: boolean;
}

export function opsBlobText(author: string, ops: Op[]): string {
  return JSON.stringify({ author: { id: author }, ops });
}

/** The id an op gets: sha256 of its JSON exactly as opsBlobText writes it. */
export function opId(op: Op): string {
  return sha256(JSON.stringify(op));
}

export function packId(author: string, ops: Op[]): string {
  return sha256(opsBlobText(author, ops));
}

export function writePack(repo: string, p: PackInput): string {
  const entries: { name: string; oid: string }[] = [{ name: `version-${p.version ?? 4}`, oid: EMPTY_BLOB }];
  if (!p.noOps) entries.push({ name: 'ops', oid: blob(repo, p.rawOps ?? opsBlobText(p.author, p.ops)) });
  entries.push({ name: `edit-clock-${p.editClock}`, oid: EMPTY_BLOB });
  if (p.createClock !== undefined) entries.push({ name: `create-clock-${p.createClock}`, oid: EMPTY_BLOB });
  git(repo, ['hash-object', '-w', '--stdin'], ''); // the empty blob the entries point at
  return commit(repo, tree(repo, entries), p.parents ?? []);
}

let clock = 100;
export const nextClock = (): number => ++clock;

export const ops = {
  create: (title: string, message = '', ts = 1700000000): Op => ({ type: 1, timestamp: ts, nonce: nonce(), title, message, files: null }),
  setTitle: (title: string, was: string, ts = 1700000100): Op => ({ type: 2, timestamp: ts, nonce: nonce(), title, was }),
  comment: (message: string, ts = 1700000200): Op => ({ type: 3, timestamp: ts, nonce: nonce(), message, files: null }),
  status: (status: 1 | 2, ts = 1700000300): Op => ({ type: 4, timestamp: ts, nonce: nonce(), status }),
  labels: (added: string[], removed: string[] = [], ts = 1700000400): Op => ({ type: 5, timestamp: ts, nonce: nonce(), added, removed }),
  edit: (target: string, message: string, ts = 1700000500): Op => ({
    type: 6,
    timestamp: ts,
    nonce: nonce(),
    target,
    message,
    files: null,
  }),
  noop: (ts = 1700000600): Op => ({ type: 7, timestamp: ts, nonce: nonce(), metadata: { origin: 'test' } }),
  setMetadata: (target: string, meta: Record<string, string>, ts = 1700000700): Op => ({
    type: 8,
    timestamp: ts,
    nonce: nonce(),
    target,
    new_metadata: meta,
  }),
};

/** A linear chain of packs, one commit each, with no ref pointing at it; returns the head commit. */
export function writeChain(repo: string, author: string, packs: Op[][]): string {
  let head = '';
  packs.forEach((packOps, i) => {
    head = writePack(repo, {
      author,
      ops: packOps,
      editClock: nextClock(),
      createClock: i === 0 ? nextClock() : undefined,
      parents: head ? [head] : [],
    });
  });
  return head;
}

/**
 * Writes a linear bug: the first pack must start with a create op. Returns the
 * bug id (the create op's id) and the head commit.
 */
export function writeBug(repo: string, author: string, packs: Op[][], opts: { ref?: string } = {}): { id: string; head: string } {
  const head = writeChain(repo, author, packs);
  const id = opId(packs[0][0]);
  updateRef(repo, opts.ref ?? `refs/bugs/${id}`, head);
  return { id, head };
}

/** A bare repository with `count` simple bugs by one identity. */
export function smallRepo(path: string, count: number, title = (i: number) => `bug number ${i}`): { author: string; ids: string[] } {
  initBare(path);
  const author = writeIdentity(path, { name: 'Ada Lovelace', login: 'ada' });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(writeBug(path, author, [[ops.create(title(i), `body of ${i}`, 1700000000 + i)]]).id);
  }
  return { author, ids };
}
