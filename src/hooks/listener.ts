// The server end of the hook channel (see channel.ts): listens on
// DATA/run/bugserve.sock, checks each message and reports which repository's
// git-bug refs a push changed.

import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import net from 'node:net';
import { dataDirAt } from '../data/dir.js';
import { BadRequestError, BugserveError, UnavailableError } from '../errors.js';
import { isRepoName } from '../git/repo-path.js';
import { MAX_MESSAGE_BYTES, REPLY_OK, checkSocketPath, decodeMessage } from './channel.js';

export interface HookListenerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** A hook that connects and then says nothing is cut off after this long. */
const CONNECTION_TIMEOUT_MS = 5_000;

/** DATA/run must be a real folder owned by us and closed to everyone else. */
async function prepareRunDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  if (!st.isDirectory()) throw new UnavailableError(`${dir} is not a folder`);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
    throw new UnavailableError(`${dir} belongs to another user; the hook socket must live in a folder only bugserve's user can enter`);
  }
  // mkdir's mode is filtered by the umask and ignored for an existing folder.
  if ((st.mode & 0o777) !== 0o700) await chmod(dir, 0o700);
}

/** Resolves true when something accepts connections at `sock`. */
function isLive(sock: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(sock);
    const done = (live: boolean) => {
      c.destroy();
      resolve(live);
    };
    c.once('connect', () => done(true));
    c.once('error', () => done(false));
    c.setTimeout(1_000, () => done(false));
  });
}

/** Clears a socket file left by a server that did not shut down, refusing to steal a live one. */
async function clearStaleSocket(sock: string): Promise<void> {
  let st;
  try {
    st = await lstat(sock);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!st.isSocket()) throw new UnavailableError(`${sock} exists and is not a socket; remove it`);
  if (await isLive(sock)) throw new UnavailableError(`another bugserve is already listening on ${sock}`);
  await unlink(sock).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

export async function startHookListener(
  dataDir: string,
  onRefsChanged: (repoName: string, refs: string[]) => void,
  logger?: HookListenerLogger,
): Promise<{ close(): Promise<void> }> {
  const { socket: sock, run } = dataDirAt(dataDir);
  checkSocketPath(sock);
  await prepareRunDir(run);
  await clearStaleSocket(sock);

  const handleLine = (line: string): string => {
    try {
      const msg = decodeMessage(line);
      if (!isRepoName(msg.repo)) throw new BadRequestError(`not a repository name: ${JSON.stringify(msg.repo.slice(0, 200))}`);
      onRefsChanged(msg.repo, msg.refs);
      return REPLY_OK;
    } catch (err) {
      const reason = err instanceof BugserveError ? err.message : 'internal error';
      if (!(err instanceof BugserveError)) logger?.warn({ err }, 'hook message handler failed');
      else logger?.warn({ reason }, 'hook message refused');
      return `error ${reason}\n`;
    }
  };

  const server = net.createServer((conn) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let answered = false;
    const answer = (reply: string) => {
      if (answered) return;
      answered = true;
      conn.end(reply);
    };
    conn.setTimeout(CONNECTION_TIMEOUT_MS, () => conn.destroy());
    conn.on('error', () => conn.destroy());
    conn.on('data', (chunk: Buffer) => {
      if (answered) return;
      const nl = chunk.indexOf(0x0a);
      const part = nl === -1 ? chunk : chunk.subarray(0, nl);
      size += part.length;
      if (size > MAX_MESSAGE_BYTES) {
        logger?.warn({ bytes: size }, 'hook message too large');
        answer('error message too large\n');
        return;
      }
      chunks.push(part);
      if (nl !== -1) answer(handleLine(Buffer.concat(chunks).toString('utf8')));
    });
    // A client that closes its side without a newline still sent one message.
    conn.on('end', () => {
      if (!answered && size > 0) answer(handleLine(Buffer.concat(chunks).toString('utf8')));
      else if (!answered) conn.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(sock, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // The folder already shuts others out; this is a second lock on the door.
  await chmod(sock, 0o600).catch(() => undefined);
  const ours = await lstat(sock);
  logger?.info({ socket: sock }, 'listening for push hooks');

  let closed: Promise<void> | undefined;
  return {
    close: () =>
      (closed ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        // Remove the socket file unless another server has replaced it meanwhile.
        try {
          const now = await lstat(sock);
          if (now.ino === ours.ino && now.dev === ours.dev) await unlink(sock);
        } catch {
          // already gone
        }
      })()),
  };
}
