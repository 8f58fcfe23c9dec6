// git's smart HTTP protocol, served by real git: each request runs
// `git http-backend` as a CGI program. The request body streams into it and
// its response streams back, so a pack is never held in memory.
//
// Reading is anonymous. Pushing needs HTTP basic auth whose password is the
// push token; without a configured token pushing is off. A push to a name
// that does not exist yet creates the repository (src/data/repos.ts).
//
// Every http-backend holds a slot of the server's git process limit for its
// whole life, so clients cannot make the server fork without bound; a request
// body that stops arriving is cut off and its git stopped.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream';
import type { DataDir } from '../data/dir.js';
import { emptyRepo, openForPush, type PushTarget, type RepoLogger } from '../data/repos.js';
import { BadRequestError, NotFoundError, UnavailableError } from '../errors.js';
import type { ProcessLimit } from '../git/process-limit.js';
import { isBareRepo, repoDir } from '../git/repo-path.js';
import { gitEnv } from '../git/run.js';
import {
  BadGatewayError,
  errorBody,
  errorHeaders,
  ForbiddenError,
  httpStatus,
  MethodNotAllowedError,
  PayloadTooLargeError,
  RequestTimeoutError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from './errors.js';
import { sendText } from './respond.js';
import { routeClash } from './router.js';

export interface GitHttpContext {
  /** where repositories live and where their hooks report */
  data: DataDir;
  /** the decoded repository name (checked again here) */
  repoName: string;
  /** the part after "<name>.git", e.g. "/info/refs" */
  path: string;
  /** HTTP basic auth password that allows pushing; undefined or '' disables pushing */
  pushToken: string | undefined;
  /** the bound on git processes for web requests, shared with the rest of the server */
  gitLimit: ProcessLimit;
  /** a request body that sends nothing for this long is cut off (default 30 s) */
  bodyIdleTimeoutMs?: number;
  logger?: RepoLogger;
}

type Service = 'git-upload-pack' | 'git-receive-pack';
type Endpoint = { kind: 'refs'; service: Service } | { kind: 'rpc'; service: Service } | { kind: 'head' };

/** The CGI header block of http-backend is a few lines; anything bigger is broken. */
const MAX_CGI_HEADER_BYTES = 64 * 1024;
const MAX_STDERR_BYTES = 8 * 1024;
export const REALM = 'bugserve';

export const DEFAULT_BODY_IDLE_TIMEOUT_MS = 30_000;
/** After SIGTERM, git gets this long to exit before SIGKILL. */
const KILL_GRACE_MS = 5_000;
/**
 * Fetch requests (upload-pack negotiation: wants and haves) are read whole
 * before git starts, so a client trickling its body holds a socket, never a
 * git process or a slot of the process limit. Bounded per request and in all.
 */
const MAX_UPLOAD_BODY_BYTES = 8 * 1024 * 1024;
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
let bufferedBytes = 0;

function isService(s: string | null): s is Service {
  return s === 'git-upload-pack' || s === 'git-receive-pack';
}

/** Only the smart protocol's endpoints and HEAD; everything else is 404. */
function endpointFor(method: string, subPath: string, query: URLSearchParams): Endpoint {
  const allow = (m: string) => {
    if (method !== m && !(m === 'GET' && method === 'HEAD')) throw new MethodNotAllowedError(method, m === 'GET' ? ['GET', 'HEAD'] : [m]);
  };
  if (subPath === '/info/refs') {
    const service = query.get('service');
    if (!isService(service)) throw new NotFoundError('endpoint', 'info/refs without ?service= (only the smart protocol is served)');
    allow('GET');
    return { kind: 'refs', service };
  }
  const rpc = subPath.slice(1);
  if (isService(rpc)) {
    allow('POST');
    return { kind: 'rpc', service: rpc };
  }
  if (subPath === '/HEAD') {
    allow('GET');
    return { kind: 'head' };
  }
  throw new NotFoundError('git endpoint', subPath);
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** The basic auth user when its password is the token; hashing first makes the compare constant-time for any length. */
function authorizedUser(req: IncomingMessage, token: string): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  const user = decoded.slice(0, colon);
  if (!timingSafeEqual(sha256(decoded.slice(colon + 1)), sha256(token))) return undefined;
  // REMOTE_USER ends up in hook environments and reflogs: keep it tame.
  return /^[A-Za-z0-9._@+-]{1,64}$/.test(user) ? user : 'bugserve';
}

/** The plain-text error answer for git clients (git shows the body to its user). */
export async function sendGitError(res: ServerResponse, err: unknown): Promise<void> {
  if (res.writableEnded) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const [name, value] of Object.entries(errorHeaders(err))) res.setHeader(name, value);
  await sendText(res, httpStatus(err), 'text/plain; charset=utf-8', errorBody(err).error.message + '\n');
}

/** Finds the end of the CGI header block: returns [headerEnd, bodyStart] or undefined. */
function headerEnd(buf: Buffer): [number, number] | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return [crlf, crlf + 4];
  if (lf !== -1) return [lf, lf + 2];
  return undefined;
}

function parseCgiHeaders(block: string): { status: number; headers: [string, string][] } {
  let status = 200;
  const headers: [string, string][] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`malformed CGI header line: ${JSON.stringify(line.slice(0, 100))}`);
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      const code = Number.parseInt(value, 10);
      if (!(code >= 100 && code <= 599)) throw new Error(`bad CGI status: ${value}`);
      status = code;
    } else if (!/^(connection|transfer-encoding|keep-alive)$/i.test(name)) {
      headers.push([name, value]);
    }
  }
  return { status, headers };
}

/**
 * Runs http-backend for one request in `dir` and streams both ways. Resolves
 * once git has exited (so the caller's process slot covers git's whole life)
 * and the response is over. `beforeEnd` runs after git's last byte and before
 * the response ends, so a pusher sees the push only once it is settled.
 */
function runBackend(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: GitHttpContext,
  dir: string,
  endpoint: Endpoint,
  user: string | undefined,
  beforeEnd?: () => Promise<void>,
  body?: Buffer,
): Promise<void> {
  const push = endpoint.kind !== 'head' && endpoint.service === 'git-receive-pack';
  const env = gitEnv();
  Object.assign(env, {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    REQUEST_METHOD: req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET'),
    // Root and path are the folder repoDir chose, so git resolves exactly that one.
    GIT_PROJECT_ROOT: path.dirname(dir),
    PATH_INFO: `/${path.basename(dir)}${ctx.path}`,
    QUERY_STRING: endpoint.kind === 'refs' ? `service=${endpoint.service}` : '',
    GIT_HTTP_EXPORT_ALL: '1',
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
  });
  if (user !== undefined) env.REMOTE_USER = user;
  const h = req.headers;
  if (h['content-type']) env.CONTENT_TYPE = h['content-type'];
  // Without a length (chunked uploads) git reads the body to its end.
  if (h['content-length'] && !h['transfer-encoding']) env.CONTENT_LENGTH = h['content-length'];
  // git inflates a gzip request body itself, streaming (checked in handleGitHttp).
  const encoding = h['content-encoding']?.trim().toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip') env.HTTP_CONTENT_ENCODING = encoding;
  const proto = h['git-protocol'];
  if (typeof proto === 'string' && /^[A-Za-z0-9=:._-]{1,256}$/.test(proto)) env.HTTP_GIT_PROTOCOL = proto;

  const args = ['-c', `http.receivepack=${push && user !== undefined}`, '-c', 'http.uploadpack=true', 'http-backend'];
  const child: ChildProcess = spawn('git', args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const stdin = child.stdin!;
  const stdout = child.stdout!;
  const stderr = child.stderr!;
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = () => {
    if (!running()) return;
    child.kill('SIGTERM');
    setTimeout(() => running() && child.kill('SIGKILL'), KILL_GRACE_MS).unref();
  };

  return new Promise<void>((resolve) => {
    let errText = '';
    // Set once http-backend's header block has been read (or answered for).
    let headerSeen = false;
    let responseOver = false;
    let gitOver = false;
    const settle = () => {
      if (responseOver && gitOver) {
        clearTimeout(stall);
        resolve();
      }
    };
    stderr.on('data', (d: Buffer) => {
      if (errText.length < MAX_STDERR_BYTES) errText += d.toString('utf8');
    });

    // A body that stops arriving holds a git process and a slot: cut it off.
    const idleMs = ctx.bodyIdleTimeoutMs ?? DEFAULT_BODY_IDLE_TIMEOUT_MS;
    let stall: NodeJS.Timeout | undefined;
    const armStall = () => {
      clearTimeout(stall);
      stall = setTimeout(() => {
        ctx.logger?.warn({ repo: ctx.repoName, idleMs }, 'request body stalled; git stopped');
        stop();
        void sendGitError(res, new RequestTimeoutError(`no request body arrived for ${Math.round(idleMs / 1000)} s`));
        req.destroy();
        res.destroy();
      }, idleMs);
    };
    if (body === undefined && !req.complete) {
      armStall();
      req.on('data', armStall);
      req.once('end', () => clearTimeout(stall));
    }

    // The client went away: stop git instead of letting it work for nobody.
    let clientGone = false;
    res.once('close', () => {
      clientGone = !res.writableFinished;
      if (clientGone) stop();
      responseOver = true;
      settle();
    });

    child.once('error', (err) => {
      ctx.logger?.warn({ err: err.message }, 'could not run git http-backend');
      void sendGitError(res, new BadGatewayError('git is not available on the server'));
      gitOver = true;
      settle();
    });
    child.once('close', (code, signal) => {
      if (code !== 0 && !clientGone) {
        ctx.logger?.warn({ repo: ctx.repoName, code, signal, stderr: errText.trim().slice(0, 2000) }, 'git http-backend failed');
      }
      if (!headerSeen) void sendGitError(res, new BadGatewayError('git http-backend failed'));
      gitOver = true;
      settle();
    });

    // EPIPE when git stops reading early (it answered an error) is expected.
    if (body === undefined) pipeline(req, stdin, () => undefined);
    else {
      stdin.on('error', () => undefined);
      stdin.end(body);
    }

    let head: Buffer = Buffer.alloc(0);
    const malformed = (why: string) => {
      headerSeen = true;
      stdout.off('data', onHead);
      stop();
      ctx.logger?.warn({ repo: ctx.repoName, err: why }, 'git http-backend sent a malformed response');
      void sendGitError(res, new BadGatewayError('git http-backend sent a malformed response'));
    };
    const onHead = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const end = headerEnd(head);
      if (!end) {
        if (head.length > MAX_CGI_HEADER_BYTES) malformed('header block too large');
        return;
      }
      stdout.off('data', onHead);
      stdout.pause();
      headerSeen = true;
      let parsed;
      try {
        parsed = parseCgiHeaders(head.subarray(0, end[0]).toString('latin1'));
      } catch (err) {
        malformed((err as Error).message);
        return;
      }
      if (res.destroyed) return;
      res.statusCode = parsed.status;
      for (const [name, value] of parsed.headers) res.appendHeader(name, value);
      const rest = head.subarray(end[1]);
      if (rest.length > 0) stdout.unshift(rest);
      stdout.pipe(res, { end: false });
      stdout.once('error', stop);
      stdout.once('end', () => {
        void (beforeEnd?.() ?? Promise.resolve()).finally(() => res.end());
      });
    };
    stdout.on('data', onHead);
  });
}

function checkEncoding(req: IncomingMessage): void {
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (encoding !== undefined && !['gzip', 'x-gzip', 'identity', ''].includes(encoding)) {
    throw new UnsupportedMediaTypeError(`unsupported Content-Encoding: ${encoding}`);
  }
}

/** The basic-auth user allowed to push; throws 403 when pushing is off, 401 without the token. */
function pusher(req: IncomingMessage, token: string | undefined): string {
  if (!token) throw new ForbiddenError('pushing is disabled on this server (it has no push token: set BUGSERVE_PUSH_TOKEN)');
  const user = authorizedUser(req, token);
  if (user === undefined) throw new UnauthorizedError('pushing needs the push token as the HTTP basic auth password', REALM);
  return user;
}

/**
 * Answers one git smart HTTP request. Errors before git answers are thrown
 * as typed errors (the caller sends them with sendGitError); errors after
 * that end the response.
 */
export async function handleGitHttp(req: IncomingMessage, res: ServerResponse, ctx: GitHttpContext): Promise<void> {
  let query: URLSearchParams;
  try {
    query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  } catch {
    throw new BadRequestError('malformed URL');
  }
  const endpoint = endpointFor(req.method ?? 'GET', ctx.path, query);
  checkEncoding(req);
  const dir = repoDir(ctx.data.repos, ctx.repoName); // BadRequestError for an unsafe name
  const push = endpoint.kind !== 'head' && endpoint.service === 'git-receive-pack';
  const user = push ? pusher(req, ctx.pushToken) : undefined;

  let servedDir = dir;
  let target: PushTarget | undefined;
  if (!isBareRepo(dir)) {
    if (!push) throw new NotFoundError('repository', ctx.repoName);
    const clash = routeClash(ctx.repoName);
    if (clash) throw new BadRequestError(`"${ctx.repoName}" cannot be a repository name: ${clash}`);
    // The ref advertisement of a new name comes from an empty repository: a
    // probe creates nothing. Only the push itself (the POST) creates it.
    if (endpoint.kind === 'refs') servedDir = await emptyRepo(ctx.data);
  }
  const body = endpoint.kind === 'rpc' && !push ? await readUploadBody(req, ctx) : undefined;
  const release = await ctx.gitLimit.acquire(); // UnavailableError (503) when the server is busy
  try {
    if (push && endpoint.kind === 'rpc') {
      target = await openForPush(ctx.data, ctx.repoName, ctx.logger);
      servedDir = target.dir;
    }
    await runBackend(req, res, ctx, servedDir, endpoint, user, target?.done, body?.bytes);
  } finally {
    release();
    body?.free();
    await target?.done();
  }
}

/** Reads a fetch request's body whole (see MAX_UPLOAD_BODY_BYTES); a stalled body is a 408. */
function readUploadBody(req: IncomingMessage, ctx: GitHttpContext): Promise<{ bytes: Buffer; free: () => void }> {
  const idleMs = ctx.bodyIdleTimeoutMs ?? DEFAULT_BODY_IDLE_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let stall: NodeJS.Timeout | undefined;
    const fail = (err: Error) => {
      clearTimeout(stall);
      bufferedBytes -= size;
      size = 0;
      req.off('data', onData);
      req.resume();
      reject(err);
    };
    const armStall = () => {
      clearTimeout(stall);
      stall = setTimeout(() => {
        ctx.logger?.warn({ repo: ctx.repoName, idleMs }, 'request body stalled');
        fail(new RequestTimeoutError(`no request body arrived for ${Math.round(idleMs / 1000)} s`));
      }, idleMs);
    };
    const onData = (chunk: Buffer) => {
      armStall();
      if (size + chunk.length > MAX_UPLOAD_BODY_BYTES) return fail(new PayloadTooLargeError('the fetch request is too large'));
      if (bufferedBytes + chunk.length > MAX_BUFFERED_BYTES) return fail(new UnavailableError('the server is busy; try again'));
      chunks.push(chunk);
      size += chunk.length;
      bufferedBytes += chunk.length;
    };
    armStall();
    req.on('data', onData);
    req.once('error', (err) => fail(err));
    req.once('end', () => {
      clearTimeout(stall);
      let freed = false;
      const held = size;
      resolve({
        bytes: Buffer.concat(chunks, size),
        free: () => {
          if (freed) return;
          freed = true;
          bufferedBytes -= held;
        },
      });
    });
  });
}
