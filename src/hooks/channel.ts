// The channel between `bugserve hook post-receive` and the running server: a
// Unix socket in the data folder (DataDir.socket, DATA/run/bugserve.sock) carrying one JSON line per push.
//
// Why this is enough to keep outsiders out: DATA/run is created with mode 0700
// and must be owned by the server's user, so only that user (and root) can
// reach the socket inside it; connecting to a Unix socket needs search
// permission on every folder on its path. Nothing listens on the network.
// Hooks therefore have to run as the user that owns the data folder, which is
// how shared set-ups (soft-serve, gitolite, a single `git` sshd account) work.
// And the worst a forged message could do is make a cache rebuild.

import { BadRequestError } from '../errors.js';
import { isGitBugRef } from '../gitbug/refs.js';

export const PROTOCOL_VERSION = 1;
/** A message larger than this is refused (a push of every bug of a big project fits easily). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Linux allows 107 bytes in sun_path, macOS 103; stay under both. */
export const MAX_SOCKET_PATH_BYTES = 103;
export const REPLY_OK = 'ok\n';

export interface RefsChangedMessage {
  v: typeof PROTOCOL_VERSION;
  type: 'refs-changed';
  /** repository name relative to DATA/repos, without ".git" */
  repo: string;
  refs: string[];
}

/** Throws when the OS could not bind or reach the socket at this path. */
export function checkSocketPath(sock: string): void {
  if (Buffer.byteLength(sock) > MAX_SOCKET_PATH_BYTES) {
    throw new BadRequestError(
      `the hook socket path ${sock} is longer than ${MAX_SOCKET_PATH_BYTES} bytes; use a data folder with a shorter path`,
    );
  }
}

export function encodeMessage(repo: string, refs: string[]): string {
  const msg: RefsChangedMessage = { v: PROTOCOL_VERSION, type: 'refs-changed', repo, refs };
  let line = JSON.stringify(msg);
  // The repository name is what matters; drop refs rather than exceed the limit.
  while (Buffer.byteLength(line) >= MAX_MESSAGE_BYTES && msg.refs.length > 0) {
    msg.refs = msg.refs.slice(0, Math.floor(msg.refs.length / 2));
    line = JSON.stringify(msg);
  }
  return line + '\n';
}

/** Parses one line; throws BadRequestError naming what is wrong. The name itself is checked by the caller. */
export function decodeMessage(line: string): RefsChangedMessage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new BadRequestError('hook message is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequestError('hook message is not a JSON object');
  }
  const m = value as Record<string, unknown>;
  if (m.v !== PROTOCOL_VERSION) throw new BadRequestError(`hook message version ${String(m.v)} is not ${PROTOCOL_VERSION}`);
  if (m.type !== 'refs-changed') throw new BadRequestError('hook message type is not "refs-changed"');
  if (typeof m.repo !== 'string' || m.repo === '') throw new BadRequestError('hook message has no repository name');
  if (!Array.isArray(m.refs) || !m.refs.every((r) => typeof r === 'string' && isGitBugRef(r))) {
    throw new BadRequestError('hook message refs must be refs/bugs/* or refs/identities/* names');
  }
  return { v: PROTOCOL_VERSION, type: 'refs-changed', repo: m.repo, refs: m.refs as string[] };
}
