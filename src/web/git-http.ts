// git's smart HTTP protocol, served by real git: each request runs
// `git http-backend` as a CGI program. The request body streams into it and
// its response streams back, so a pack is never held in memory.
//
// Reading is anonymous. Pushing needs HTTP basic auth whose password is the
// push token; without a configured token pushing is off. A push to a name
// that does not exist yet creates the repository and installs the hook.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { BadRequestError } from '../errors.js';
import { isBareRepo, repoDir } from '../git/repo-path.js';
import { installHook } from '../hooks/install.js';

export interface GitHttpLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface GitHttpContext {
  reposDir: string;
  /** the decoded repository name (checked again here) */
  repoName: string;
  /** the part after "<name>.git", e.g. "/info/refs" */
  path: string;
  /** HTTP basic auth password that allows pushing; undefined or '' disables pushing */
  pushToken: string | undefined;
  onRepoCreated?: (name: string) => void;
  /** the data folder hooks report to; default: the parent of reposDir */
  dataDir?: string;
  logger?: GitHttpLogger;
}

type Service = 'git-upload-pack' | 'git-receive-pack';
type Endpoint = { kind: 'refs'; service: Service } | { kind: 'rpc'; service: Service } | { kind: 'head' };

/** The CGI header block of http-backend is a few lines; anything bigger is broken. */
const MAX_CGI_HEADER_BYTES = 64 * 1024;
const MAX_STDERR_BYTES = 8 * 1024;
export const REALM = 'bugserve';

class HttpFailure extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

function isService(s: string | null): s is Service {
  return s === 'git-upload-pack' || s === 'git-receive-pack';
}

/** Only the smart protocol's endpoints and HEAD; everything else is 404. */
function endpointFor(method: string, subPath: string, query: URLSearchParams): Endpoint {
  const allow = (m: string) => {
    if (method !== m && !(m === 'GET' && method === 'HEAD')) {
      throw new HttpFailure(405, `method ${method} is not allowed here\n`, { Allow: m === 'GET' ? 'GET, HEAD' : m });
    }
  };
  if (subPath === '/info/refs') {
    const service = query.get('service');
    if (!isService(service)) throw new HttpFailure(404, 'only the smart protocol is served: add ?service=git-upload-pack\n');
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
  throw new HttpFailure(404, 'not found\n');
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

async function pathExists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      if (out.length < 1024 * 1024) out += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < MAX_STDERR_BYTES) err += d.toString('utf8');
    });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args[0]} failed: ${err.trim()}`))));
  });
}

/**
 * A repository's first push may not include the branch HEAD names (pushing
 * "master" into a repository created with "main"): point HEAD at a branch that
 * exists, so clones check something out. main, then master, then the first.
 */
async function fixUnbornHead(dir: string): Promise<void> {
  const env = gitEnv();
  const git = (...args: string[]) => run('git', ['--git-dir', dir, ...args], env);
  const resolves = await git('rev-parse', '--verify', '--quiet', 'HEAD').then(() => true, () => false);
  if (resolves) return;
  const branches = (await git('for-each-ref', '--format=%(refname)', 'refs/heads/')).split('\n').filter(Boolean);
  const pick = ['refs/heads/main', 'refs/heads/master'].find((b) => branches.includes(b)) ?? branches.sort()[0];
  if (pick) await git('symbolic-ref', 'HEAD', pick);
}

/** The environment for git children: ours, without any GIT_* variable that would redirect git. */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return env;
}

// Two pushes creating the same repository at once share one creation.
const creating = new Map<string, Promise<void>>();

async function createRepo(dir: string, ctx: GitHttpContext): Promise<void> {
  let pending = creating.get(dir);
  if (!pending) {
    pending = (async () => {
      if (await isBareRepo(dir)) return;
      // A folder that exists but is not a repository is left alone.
      if (await pathExists(dir)) throw new HttpFailure(409, 'a folder with that name exists and is not a git repository\n');
      await mkdir(path.dirname(dir), { recursive: true });
      await run('git', ['init', '--bare', '--quiet', '--initial-branch=main', dir], gitEnv());
      try {
        await installHook(dir, { dataDir: ctx.dataDir ?? path.dirname(path.resolve(ctx.reposDir)) });
      } catch (err) {
        // The cache still notices new refs by itself; the push goes on.
        ctx.logger?.warn({ repo: ctx.repoName, err: (err as Error).message }, 'could not install the post-receive hook');
      }
      ctx.onRepoCreated?.(ctx.repoName);
    })().finally(() => creating.delete(dir));
    creating.set(dir, pending);
  }
  await pending;
}

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.writableEnded) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache', ...headers });
  res.end(text);
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

/** Runs http-backend for one request and streams both ways. */
function runBackend(req: IncomingMessage, res: ServerResponse, ctx: GitHttpContext, dir: string, endpoint: Endpoint, user: string | undefined): Promise<void> {
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

  return new Promise<void>((resolve) => {
    let errText = '';
    let done = false;
    // Set once http-backend's header block has been read (or answered for).
    let headerSeen = false;
    const finish = () => {
      if (!done) {
        done = true;
        resolve();
      }
    };
    stderr.on('data', (d: Buffer) => {
      if (errText.length < MAX_STDERR_BYTES) errText += d.toString('utf8');
    });

    // The client went away: stop git instead of letting it work for nobody.
    let clientGone = false;
    res.once('close', () => {
      clientGone = !res.writableFinished;
      if (clientGone && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      finish();
    });

    child.once('error', (err) => {
      ctx.logger?.warn({ err: err.message }, 'could not run git http-backend');
      send(res, 500, 'git is not available on the server\n');
      finish();
    });
    child.once('close', (code, signal) => {
      if (code !== 0 && !clientGone) {
        ctx.logger?.warn({ repo: ctx.repoName, code, signal, stderr: errText.trim().slice(0, 2000) }, 'git http-backend failed');
      }
      if (!headerSeen) send(res, 500, 'git http-backend failed\n');
    });

    // EPIPE when git stops reading early (it answered an error) is expected.
    pipeline(req, stdin, () => undefined);

    let head: Buffer = Buffer.alloc(0);
    const onHead = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const end = headerEnd(head);
      if (!end) {
        if (head.length > MAX_CGI_HEADER_BYTES) {
          headerSeen = true;
          stdout.off('data', onHead);
          child.kill('SIGTERM');
          send(res, 502, 'git http-backend sent a malformed response\n');
        }
        return;
      }
      stdout.off('data', onHead);
      stdout.pause();
      headerSeen = true;
      let parsed;
      try {
        parsed = parseCgiHeaders(head.subarray(0, end[0]).toString('latin1'));
      } catch (err) {
        child.kill('SIGTERM');
        ctx.logger?.warn({ err: (err as Error).message }, 'git http-backend sent a malformed response');
        send(res, 502, 'git http-backend sent a malformed response\n');
        return;
      }
      if (res.destroyed) return;
      res.statusCode = parsed.status;
      for (const [name, value] of parsed.headers) res.appendHeader(name, value);
      const rest = head.subarray(end[1]);
      if (rest.length > 0) stdout.unshift(rest);
      pipeline(stdout, res, (err) => {
        if (err && child.exitCode === null) child.kill('SIGTERM');
        finish();
      });
    };
    stdout.on('data', onHead);
  });
}

export async function handleGitHttp(req: IncomingMessage, res: ServerResponse, ctx: GitHttpContext): Promise<void> {
  try {
    let query: URLSearchParams;
    try {
      query = new URL(req.url ?? '/', 'http://localhost').searchParams;
    } catch {
      throw new HttpFailure(400, 'malformed URL\n');
    }
    const endpoint = endpointFor(req.method ?? 'GET', ctx.path, query);
    const encoding = req.headers['content-encoding']?.trim().toLowerCase();
    if (encoding !== undefined && !['gzip', 'x-gzip', 'identity', ''].includes(encoding)) {
      throw new HttpFailure(415, `unsupported Content-Encoding: ${encoding}\n`);
    }

    let dir: string;
    try {
      dir = repoDir(ctx.reposDir, ctx.repoName);
    } catch (err) {
      if (err instanceof BadRequestError) throw new HttpFailure(400, `${err.message}\n`);
      throw err;
    }

    let user: string | undefined;
    const push = endpoint.kind !== 'head' && endpoint.service === 'git-receive-pack';
    if (push) {
      if (!ctx.pushToken) {
        throw new HttpFailure(403, 'pushing is disabled on this server (it has no push token: set BUGSERVE_PUSH_TOKEN)\n');
      }
      user = authorizedUser(req, ctx.pushToken);
      if (user === undefined) {
        throw new HttpFailure(401, 'pushing needs the push token as the HTTP basic auth password\n', {
          'WWW-Authenticate': `Basic realm="${REALM}", charset="UTF-8"`,
        });
      }
    }

    if (!(await isBareRepo(dir))) {
      if (!push) throw new HttpFailure(404, `repository not found: ${ctx.repoName}\n`);
      await createRepo(dir, ctx);
    }
    await runBackend(req, res, ctx, dir, endpoint, user);
    if (endpoint.kind === 'rpc' && push) {
      await fixUnbornHead(dir).catch((err: unknown) =>
        ctx.logger?.warn({ repo: ctx.repoName, err: (err as Error).message }, 'could not set HEAD'),
      );
    }
  } catch (err) {
    if (err instanceof HttpFailure) {
      send(res, err.status, err.message, err.headers);
      return;
    }
    ctx.logger?.warn({ repo: ctx.repoName, err: (err as Error).message }, 'git request failed');
    send(res, 500, 'internal server error\n');
  }
}
