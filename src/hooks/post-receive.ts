// What `bugserve hook post-receive` does: read git's "old new ref" lines, keep
// the git-bug refs, work out which repository under DATA/repos was pushed to
// and tell the running server over the hook socket. Bounded in time, and it
// never throws: a push must not be slowed or failed by the cache.

import { access, realpath } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { dataDirAt } from '../data/dir.js';
import { isRepoName } from '../git/repo-path.js';
import { isGitBugRef } from '../gitbug/refs.js';
import { REPLY_OK, checkSocketPath, encodeMessage } from './channel.js';

export interface RefUpdate {
  oldOid: string;
  newOid: string;
  ref: string;
}

export const DEFAULT_NOTIFY_TIMEOUT_MS = 2_000;

/** git's post-receive input: one "<old> <new> <ref>" line per updated ref. */
export function parseRefUpdates(input: string): RefUpdate[] {
  const updates: RefUpdate[] = [];
  for (const line of input.split('\n')) {
    const m = /^([0-9a-f]{40,64}) ([0-9a-f]{40,64}) (\S.*)$/.exec(line.trim());
    if (m) updates.push({ oldOid: m[1], newOid: m[2], ref: m[3] });
  }
  return updates;
}

/**
 * The repository name of `gitDir` relative to `reposDir` ("group/app" for
 * reposDir/group/app.git), or undefined when it lies elsewhere or its name is
 * not one bugserve serves. Symlinks are resolved on both sides.
 */
export async function repoNameFor(reposDir: string, gitDir: string): Promise<string | undefined> {
  let root: string;
  let dir: string;
  try {
    [root, dir] = await Promise.all([realpath(reposDir), realpath(gitDir)]);
  } catch {
    return undefined;
  }
  const rel = path.relative(root, dir);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel) || !rel.endsWith('.git')) return undefined;
  const name = rel.slice(0, -4).split(path.sep).join('/');
  return isRepoName(name) ? name : undefined;
}

/**
 * Guesses the data folder from a repository's place: the nearest ancestor
 * that is a data folder's repositories folder, when that data folder holds
 * the hook socket.
 */
export async function findDataDir(gitDir: string): Promise<string | undefined> {
  let dir: string;
  try {
    dir = await realpath(gitDir);
  } catch {
    return undefined;
  }
  for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d)) {
    const data = dataDirAt(path.dirname(d));
    if (data.repos !== d) continue;
    try {
      await access(data.socket);
      return data.root;
    } catch {
      // keep climbing
    }
  }
  return undefined;
}

export type NotifyResult = 'sent' | 'no-server' | 'timeout' | 'refused' | 'failed';

/** Sends one message and waits for the reply, for at most timeoutMs in all. */
export function notifyServer(
  dataDir: string,
  repo: string,
  refs: string[],
  timeoutMs = DEFAULT_NOTIFY_TIMEOUT_MS,
): Promise<{ result: NotifyResult; detail?: string }> {
  const sock = dataDirAt(dataDir).socket;
  try {
    checkSocketPath(sock);
  } catch (err) {
    return Promise.resolve({ result: 'failed', detail: (err as Error).message });
  }
  return new Promise((resolve) => {
    let reply = '';
    let settled = false;
    const conn = net.connect(sock);
    const finish = (result: NotifyResult, detail?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.destroy();
      resolve(detail === undefined ? { result } : { result, detail });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    conn.once('connect', () => conn.write(encodeMessage(repo, refs)));
    conn.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      if (reply.length > 4096) finish('refused', 'reply too long');
      else if (reply.includes('\n')) finish(reply === REPLY_OK ? 'sent' : 'refused', reply.trim());
    });
    conn.once('end', () => finish(reply === REPLY_OK ? 'sent' : 'refused', reply.trim() || 'closed without a reply'));
    conn.once('error', (err: NodeJS.ErrnoException) => {
      // No socket, or a socket left by a server that is gone: nobody to tell.
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') finish('no-server');
      else finish('failed', err.code ?? err.message);
    });
  });
}

export interface PostReceiveInput {
  dataDir: string;
  /** the repository git runs the hook in (GIT_DIR resolved against the cwd) */
  gitDir: string;
  /** git's stdin */
  input: string;
  timeoutMs?: number;
}

export interface PostReceiveOutcome {
  result: NotifyResult | 'no-git-bug-refs' | 'not-served';
  repo?: string;
  refs: string[];
  detail?: string;
}

export async function postReceive(opts: PostReceiveInput): Promise<PostReceiveOutcome> {
  const refs = [
    ...new Set(
      parseRefUpdates(opts.input)
        .map((u) => u.ref)
        .filter(isGitBugRef),
    ),
  ];
  if (refs.length === 0) return { result: 'no-git-bug-refs', refs };
  const repo = await repoNameFor(dataDirAt(opts.dataDir).repos, opts.gitDir);
  if (repo === undefined) return { result: 'not-served', refs };
  const sent = await notifyServer(opts.dataDir, repo, refs, opts.timeoutMs);
  return { ...sent, repo, refs };
}
