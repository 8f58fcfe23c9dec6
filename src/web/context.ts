// What every route handler is given.

import type { GitBugCacheManager } from '../cache/manager.js';

/** The part of the cache manager the web layer uses. */
export type BugCache = Pick<GitBugCacheManager, 'call'>;

export interface WebContext {
  reposDir: string;
  cache: BugCache;
  /** host:port used in clone URLs when the request's Host header is unusable */
  fallbackHost: string;
}
