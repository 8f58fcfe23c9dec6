// The composition root: builds every long-lived part of a running bugserve
// and connects them. The data folder's layout (src/data/dir.ts), the bug
// cache, the render pool, the git process limit, the HTTP server
// (src/web/server.ts, which only serves) and the hook listener (a push's
// "refs changed" → cache invalidation); and the shutdown, in the reverse order.

import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { GitBugCacheManager, type CacheOptions } from './cache/manager.js';
import type { Config } from './config.js';
import { dataDirAt, prepareDataDir, type DataDir } from './data/dir.js';
import { DEFAULT_PROCESS_LIMIT, ProcessLimit, type ProcessLimitOptions } from './git/process-limit.js';
import { isGitBugRef } from './gitbug/refs.js';
import { startHookListener } from './hooks/listener.js';
import { RenderPool } from './render/pool.js';
import { createLogger } from './web/logger.js';
import { listenWeb, type WebServer } from './web/server.js';

/** The server's configuration: `Config` (src/config.ts), with reposDir and logLevel optional. */
export interface ServerConfig extends Omit<Config, 'reposDir' | 'logLevel' | 'imageHosts'> {
  /** default DATA/repos (benchmarks point several servers at one set of repositories) */
  reposDir?: string;
  /** default none */
  imageHosts?: string[];
  logLevel?: string;
  logger?: Logger;
  /** how long shutdown waits for requests in flight before cutting connections */
  shutdownGraceMs?: number;
  /** extra cache manager options (tests: allowFaults, closeTimeoutMs) */
  cache?: Partial<CacheOptions>;
  /** the bound on git processes for web requests (default DEFAULT_PROCESS_LIMIT) */
  gitLimit?: Partial<ProcessLimitOptions>;
  /** a git request body that sends nothing for this long is cut off (default 30 s) */
  gitBodyIdleTimeoutMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  data: DataDir;
  cache: GitBugCacheManager;
  registry: Registry;
  gitLimit: ProcessLimit;
  close(): Promise<void>;
}

type Closer = { close(): Promise<void> };

/** The hook listener, wired to the cache: a push that moved git-bug refs drops the repository's cached bugs. */
async function listenForPushes(data: DataDir, cache: GitBugCacheManager, log: Logger): Promise<Closer | undefined> {
  try {
    return await startHookListener(
      data.root,
      (repo, refs) => {
        if (refs.length === 0 || refs.some(isGitBugRef)) cache.invalidateCache(repo, 'hook');
      },
      log,
    );
  } catch (err) {
    // The cache still notices changed refs on its own before answering.
    log.warn({ err: (err as Error).message }, 'hook listener did not start; pushes are noticed by the refs check only');
    return undefined;
  }
}

/** Starts bugserve over config.dataDir; throws DataDirError when the data folder cannot be used. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const log = config.logger ?? createLogger(config.logLevel);
  const data = dataDirAt(config.dataDir, { repos: config.reposDir });
  await prepareDataDir(data);

  const registry = new Registry();
  const cache = new GitBugCacheManager({
    reposDir: data.repos,
    // One persisted bug index per repository; never inside a bare repository.
    indexDir: data.cache,
    idleTimeoutMs: config.idleTimeoutMs,
    maxWorkers: config.maxWorkers,
    mode: config.cacheMode,
    logger: log,
    registry,
    ...config.cache,
  });
  const render = new RenderPool();
  const gitLimit = new ProcessLimit({ ...DEFAULT_PROCESS_LIMIT, ...config.gitLimit });

  let web: WebServer;
  try {
    web = await listenWeb(
      {
        data,
        cache,
        render,
        registry,
        log,
        pushToken: config.pushToken,
        gitLimit,
        gitBodyIdleTimeoutMs: config.gitBodyIdleTimeoutMs,
        imageHosts: config.imageHosts,
      },
      config.host,
      config.port,
    );
  } catch (err) {
    // Nothing may keep the process alive after a failed start (port in use, ...).
    await cache.close();
    await render.close();
    throw err;
  }
  // Started once the port is ours, so a second server on the same data folder
  // fails on the port first, without touching this one's socket.
  const hooks = await listenForPushes(data, cache, log);
  log.info({ url: web.url, reposDir: data.repos, cache: config.cacheMode }, 'bugserve listening');

  const grace = config.shutdownGraceMs ?? 10_000;
  let closed: Promise<void> | undefined;
  async function shutdown(): Promise<void> {
    await web.close(grace);
    await hooks?.close().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'hook listener close failed'));
    await cache.close();
    await render.close();
    log.info('stopped');
  }

  return {
    url: web.url,
    port: web.port,
    data,
    cache,
    registry,
    gitLimit,
    close: () => (closed ??= shutdown()),
  };
}
