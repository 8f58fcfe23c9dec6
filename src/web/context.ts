// What every route handler is given.

import type { GitBugCacheManager } from '../cache/manager.js';
import type { ProcessLimit } from '../git/process-limit.js';
import type { RenderPool } from '../render/pool.js';

/** The part of the cache manager the web layer uses. */
export type BugCache = Pick<GitBugCacheManager, 'call'>;

export interface WebContext {
  reposDir: string;
  cache: BugCache;
  /** host:port used in clone URLs when the request's Host header is unusable */
  fallbackHost: string;
  /** the one bound on git processes started for web requests (code browsing reads) */
  gitLimit: ProcessLimit;
  /** Markdown and highlighting off the main thread */
  render: RenderPool;
}
