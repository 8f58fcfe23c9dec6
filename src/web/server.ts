// bugserve's HTTP server: routes requests to pages, the JSON API, git smart
// HTTP, health and metrics; one log line and one histogram sample per
// request; graceful shutdown.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { GitBugCacheManager, type CacheOptions } from '../cache/manager.js';
import { NotFoundError } from '../errors.js';
import type { Config } from '../config.js';
import { checkRepoName, repoExists } from '../git/repo-path.js';
import { startHookListener } from '../hooks/listener.js';
import { DEFAULT_PROCESS_LIMIT, ProcessLimit } from '../git/process-limit.js';
import { RenderPool } from '../render/pool.js';
import { apiBug, apiBugs, apiRepo, apiRepos, sendApiError } from './api.js';
import { apiBlob, apiCommit, apiCommits, apiTree } from './code-api.js';
import { blobRoute, commitRoute, commitsRoute, rawRoute, refsRoute, restBytes, treeRoute } from './code.js';
import type { WebContext } from './context.js';
import { errorBody, httpStatus, isServerFault, MethodNotAllowedError } from './errors.js';
import { handleGitHttp } from './git-http.js';
import { repoPath } from './html.js';
import { createLogger } from './logger.js';
import { RenderedMarkdown } from './rendered.js';
import { createHttpMetrics } from './metrics.js';
import { parseTarget } from './request.js';
import { contentSecurityPolicy, redirect, sendJson, sendText } from './respond.js';
import { ROUTE_PATTERNS, matchRoute, type Route } from './router.js';
import { bugListRoute, bugRoute, indexRoute, repoRoute, sendErrorPage } from './site.js';
import { styleRoute } from './stylesheet.js';

/** The server's configuration: `Config` (src/config.ts), with reposDir and logLevel optional. */
export interface ServerConfig extends Omit<Config, 'reposDir' | 'logLevel' | 'imageHosts'> {
  /** default DATA/repos */
  reposDir?: string;
  /** default none */
  imageHosts?: string[];
  logLevel?: string;
  logger?: Logger;
  /** how long shutdown waits for requests in flight before cutting connections */
  shutdownGraceMs?: number;
  /** extra cache manager options (tests: allowFaults, closeTimeoutMs) */
  cache?: Partial<CacheOptions>;
}

export interface RunningServer {
  url: string;
  port: number;
  cache: GitBugCacheManager;
  registry: Registry;
  close(): Promise<void>;
}

const READ_METHODS = ['GET', 'HEAD'];
const REF_PREFIXES = ['refs/bugs/', 'refs/identities/'];
/** Errors under /api/v1 are JSON even when no API route matched. */
const API_PATH = /^\/api\/v1(\/|\?|$)/;

/** The request path for the log: bounded, and without the query (it may be long). */
function logPath(url: string | undefined): string {
  const u = url ?? '';
  const q = u.indexOf('?');
  const p = q === -1 ? u : u.slice(0, q);
  return p.length > 256 ? p.slice(0, 256) + '…' : p;
}

function hasRepo(route: Route): route is Extract<Route, { repo: string }> {
  return 'repo' in route;
}

export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const log = config.logger ?? createLogger(config.logLevel);
  const dataDir = path.resolve(config.dataDir);
  const reposDir = path.resolve(config.reposDir ?? path.join(dataDir, 'repos'));
  await mkdir(reposDir, { recursive: true });

  const registry = new Registry();
  const metrics = createHttpMetrics(registry);
  const cache = new GitBugCacheManager({
    reposDir,
    // One persisted bug index per repository; never inside a bare repository.
    indexDir: path.join(dataDir, 'cache'),
    idleTimeoutMs: config.idleTimeoutMs,
    maxWorkers: config.maxWorkers,
    mode: config.cacheMode,
    logger: log,
    registry,
    ...config.cache,
  });

  let hooks: { close(): Promise<void> } | undefined;
  const csp = contentSecurityPolicy(config.imageHosts);
  let closing = false;
  let active = 0;
  // fallbackHost is set once the port is known.
  // One render pool for the server: Markdown and highlighting never run on the main thread.
  const renderPool = new RenderPool();
  const ctx: WebContext = {
    reposDir,
    cache,
    fallbackHost: '',
    gitLimit: new ProcessLimit(DEFAULT_PROCESS_LIMIT),
    render: renderPool,
    markdown: new RenderedMarkdown(renderPool),
  };
  const exists = (name: string) => repoExists(reposDir, name);

  async function dispatch(req: IncomingMessage, res: ServerResponse, route: Route, target: ReturnType<typeof parseTarget>) {
    if (route.kind === 'git') {
      checkRepoName(route.repo);
      // A browser visiting the clone URL gets the repository page.
      if (route.path === '' && (req.method === 'GET' || req.method === 'HEAD')) return redirect(res, repoPath(route.repo));
      return handleGitHttp(req, res, {
        reposDir,
        repoName: route.repo,
        path: route.path,
        pushToken: config.pushToken,
        dataDir,
        logger: log,
        onRepoCreated: (name: string) => log.info({ repo: name }, 'repository created by push'),
      });
    }
    if (!READ_METHODS.includes(req.method ?? '')) throw new MethodNotAllowedError(req.method ?? '', READ_METHODS);
    switch (route.kind) {
      case 'index':
        return indexRoute(ctx, res);
      case 'healthz':
        return sendJson(res, closing ? 503 : 200, { status: closing ? 'shutting-down' : 'ok' });
      case 'metrics':
        return sendText(res, 200, registry.contentType, await registry.metrics());
      case 'style':
        return styleRoute(res, target);
      case 'repo':
        return repoRoute(ctx, req, res, route.repo);
      case 'bugs':
        return bugListRoute(ctx, res, target, route.repo);
      case 'bug':
        return bugRoute(ctx, res, route.repo, route.id);
      case 'api-repos':
        return apiRepos(ctx, res);
      case 'api-repo':
        return apiRepo(ctx, res, route.repo);
      case 'api-bugs':
        return apiBugs(ctx, res, target, route.repo);
      case 'api-bug':
        return apiBug(ctx, res, route.repo, route.id);
      case 'tree':
        return treeRoute(ctx, req, res, route.repo, restBytes(target, route.at));
      case 'blob':
        return blobRoute(ctx, res, target, route.repo, restBytes(target, route.at));
      case 'raw':
        return rawRoute(ctx, res, route.repo, restBytes(target, route.at));
      case 'commits':
        return commitsRoute(ctx, res, target, route.repo, restBytes(target, route.at));
      case 'commit':
        return commitRoute(ctx, res, route.repo, route.id);
      case 'branches':
        return refsRoute(ctx, res, route.repo, 'branch');
      case 'tags':
        return refsRoute(ctx, res, route.repo, 'tag');
      case 'api-tree':
        return apiTree(ctx, res, route.repo, restBytes(target, route.at));
      case 'api-blob':
        return apiBlob(ctx, res, route.repo, restBytes(target, route.at));
      case 'api-commits':
        return apiCommits(ctx, res, target, route.repo, restBytes(target, route.at));
      case 'api-commit':
        return apiCommit(ctx, res, route.repo, route.id);
      case 'not-found':
        throw new NotFoundError('page', '/' + target.segments.join('/'));
      default:
        return route satisfies never;
    }
  }

  async function fail(req: IncomingMessage, res: ServerResponse, route: Route | undefined, err: unknown) {
    const status = httpStatus(err);
    if (isServerFault(err)) log.error({ err, url: req.url?.slice(0, 512) }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof MethodNotAllowedError) res.setHeader('Allow', err.allow.join(', '));
    if (status === 503) res.setHeader('Retry-After', '1');
    if (route?.kind === 'git') {
      await sendText(res, status, 'text/plain; charset=utf-8', errorBody(err).error.message + '\n');
    } else if (route?.kind.startsWith('api') || API_PATH.test(req.url ?? '')) {
      await sendApiError(res, err);
    } else {
      const repo = route && hasRepo(route) && (await exists(route.repo)) ? route.repo : undefined;
      await sendErrorPage(ctx, res, err, repo);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    let pattern = 'invalid';
    let repo: string | undefined;
    active++;
    res.once('close', () => {
      active--;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      metrics.observe(req.method ?? '', pattern, res.statusCode, ms / 1000);
      log.info(
        { method: req.method, path: logPath(req.url), ...(repo !== undefined ? { repo } : {}), route: pattern, status: res.statusCode, ms: Math.round(ms * 10) / 10, ...(res.writableFinished ? {} : { aborted: true }) },
        'request',
      );
    });
    // While shutting down, finish this request and then let the connection go.
    if (closing) res.setHeader('Connection', 'close');
    res.setHeader('Content-Security-Policy', csp);
    let route: Route | undefined;
    try {
      const target = parseTarget(req.url);
      route = await matchRoute(target.segments, exists);
      pattern = ROUTE_PATTERNS[route.kind];
      if (hasRepo(route)) repo = route.repo;
      await dispatch(req, res, route, target);
    } catch (err) {
      await fail(req, res, route, err).catch((e: unknown) => {
        log.error({ err: e }, 'error page failed');
        res.destroy();
      });
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  // A large push over a slow link outlasts Node's 5-minute default; headers
  // still have to arrive within headersTimeout.
  server.requestTimeout = 30 * 60_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // Nothing may keep the process alive after a failed start (port in use, ...).
    await cache.close();
    await ctx.render.close();
    throw err;
  }
  // Started once the port is ours, so a second server on the same data folder
  // fails on the port first, without touching this one's socket.
  // Pushes tell us which refs moved; only bug and identity refs matter to the cache.
  try {
    hooks = await startHookListener(dataDir, (repo: string, refs: string[]) => {
      if (refs.length === 0 || refs.some((r: string) => REF_PREFIXES.some((p) => r.startsWith(p)))) {
        cache.invalidateCache(repo, 'hook');
      }
    }, log);
  } catch (err) {
    // The cache still notices changed refs on its own before answering.
    log.warn({ err: (err as Error).message }, 'hook listener did not start; pushes are noticed by the refs check only');
  }

  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  ctx.fallbackHost = `${host}:${addr.port}`;
  log.info({ url, reposDir, cache: config.cacheMode }, 'bugserve listening');

  let closed: Promise<void> | undefined;
  const grace = config.shutdownGraceMs ?? 10_000;
  async function shutdown(): Promise<void> {
    closing = true;
    log.info({ inFlight: active }, 'shutting down');
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const deadline = Date.now() + grace;
    while (active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (active > 0) log.warn({ inFlight: active }, 'cutting requests still in flight');
    server.closeAllConnections();
    await serverClosed;
    await hooks?.close().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'hook listener close failed'));
    await cache.close();
    await ctx.render.close();
    log.info('stopped');
  }

  return {
    url,
    port: addr.port,
    cache,
    registry,
    close: () => (closed ??= shutdown()),
  };
}
