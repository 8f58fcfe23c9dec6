// bugserve's HTTP server: routes requests to pages, the JSON API, git smart
// HTTP, health and metrics; one log line and one histogram sample per
// request; a graceful close. It serves HTTP only: what it serves from (the
// data folder, the cache, the render pool, the git process limit) is built
// by src/app.ts.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DataDir } from '../data/dir.js';
import { NotFoundError } from '../errors.js';
import type { ProcessLimit } from '../git/process-limit.js';
import { checkRepoName, repoExists } from '../git/repo-path.js';
import type { RenderPool } from '../render/pool.js';
import { apiBug, apiBugs, apiRepo, apiRepos, sendApiError } from './api.js';
import { apiBlob, apiCommit, apiCommits, apiTree } from './code-api.js';
import { blobRoute, commitRoute, commitsRoute, rawRoute, refsRoute, restBytes, treeRoute } from './code.js';
import type { BugCache, WebContext } from './context.js';
import { errorHeaders, isServerFault, MethodNotAllowedError } from './errors.js';
import { handleGitHttp, sendGitError } from './git-http.js';
import { repoPath } from './html.js';
import { RenderedMarkdown } from './rendered.js';
import { createHttpMetrics } from './metrics.js';
import { parseTarget, type Target } from './request.js';
import { contentSecurityPolicy, redirect, sendJson, sendText } from './respond.js';
import { ROUTE_PATTERNS, matchRoute, type Route } from './router.js';
import { bugListRoute, bugRoute, indexRoute, repoRoute, sendErrorPage } from './site.js';
import { styleRoute } from './stylesheet.js';

export interface WebServerOptions {
  data: DataDir;
  cache: BugCache;
  render: RenderPool;
  /** the registry /-/metrics shows; the HTTP histogram is added to it */
  registry: Registry;
  log: Logger;
  /** HTTP basic auth password for pushes; undefined or '' disables pushing */
  pushToken: string | undefined;
  gitLimit: ProcessLimit;
  /** a git request body that sends nothing for this long is cut off */
  gitBodyIdleTimeoutMs?: number;
  /** hosts whose images bug comments may show (the page's CSP) */
  imageHosts?: readonly string[];
}

export interface WebServer {
  url: string;
  port: number;
  /** Stops taking requests, gives those in flight up to graceMs, then cuts the rest. */
  close(graceMs: number): Promise<void>;
}

const READ_METHODS = ['GET', 'HEAD'];
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

/** Listens on host:port and serves until close(). */
export async function listenWeb(opts: WebServerOptions, host: string, port: number): Promise<WebServer> {
  const { data, log, registry } = opts;
  const metrics = createHttpMetrics(registry);
  const csp = contentSecurityPolicy(opts.imageHosts);
  let closing = false;
  let active = 0;
  // fallbackHost is set once the port is known.
  const ctx: WebContext = {
    reposDir: data.repos,
    cache: opts.cache,
    gitLimit: opts.gitLimit,
    render: opts.render,
    // Rendered Markdown of bug and repository pages, kept (bounded by bytes).
    markdown: new RenderedMarkdown(opts.render),
    fallbackHost: '',
  };
  const exists = (name: string) => repoExists(data.repos, name);

  async function dispatch(req: IncomingMessage, res: ServerResponse, route: Route, target: Target): Promise<void> {
    if (route.kind === 'git') {
      checkRepoName(route.repo);
      // A browser visiting the clone URL gets the repository page.
      if (route.path === '' && (req.method === 'GET' || req.method === 'HEAD')) return redirect(res, repoPath(route.repo));
      return handleGitHttp(req, res, {
        data,
        repoName: route.repo,
        path: route.path,
        pushToken: opts.pushToken,
        gitLimit: opts.gitLimit,
        bodyIdleTimeoutMs: opts.gitBodyIdleTimeoutMs,
        logger: log,
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
        // A route kind without a case fails to compile here.
        return route satisfies never;
    }
  }

  async function fail(req: IncomingMessage, res: ServerResponse, route: Route | undefined, err: unknown): Promise<void> {
    if (isServerFault(err)) log.error({ err, url: req.url?.slice(0, 512) }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(errorHeaders(err))) res.setHeader(name, value);
    if (route?.kind === 'git') {
      await sendGitError(res, err);
    } else if (route?.kind.startsWith('api') || API_PATH.test(req.url ?? '')) {
      await sendApiError(res, err);
    } else {
      const repo = route && hasRepo(route) && exists(route.repo) ? route.repo : undefined;
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
      // pino leaves out undefined fields; no conditional spreads (a slow path in V8).
      log.info(
        {
          method: req.method,
          path: logPath(req.url),
          repo,
          route: pattern,
          status: res.statusCode,
          ms: Math.round(ms * 10) / 10,
          aborted: res.writableFinished ? undefined : true,
        },
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
  // still have to arrive within headersTimeout, and a stalled git body is cut
  // off by git-http's own idle timeout.
  server.requestTimeout = 30 * 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  ctx.fallbackHost = `${shownHost}:${addr.port}`;

  let closed: Promise<void> | undefined;
  async function shutdown(graceMs: number): Promise<void> {
    closing = true;
    log.info({ inFlight: active }, 'shutting down');
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const deadline = Date.now() + graceMs;
    while (active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (active > 0) log.warn({ inFlight: active }, 'cutting requests still in flight');
    server.closeAllConnections();
    await serverClosed;
  }

  return {
    url: `http://${shownHost}:${addr.port}`,
    port: addr.port,
    close: (graceMs) => (closed ??= shutdown(graceMs)),
  };
}
