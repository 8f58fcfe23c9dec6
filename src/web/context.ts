// What every route handler is given.

import type { GitBugCacheManager } from '../cache/manager.js';
import type { ProcessLimit } from '../git/process-limit.js';
import type { RenderPool } from '../render/pool.js';
import type { RenderedMarkdown } from './rendered.js';

/** The part of the cache manager the web layer uses. */
export type BugCache = Pick<GitBugCacheManager, 'call'>;

export interface WebContext {
  /** DATA/repos (DataDir.repos) */
  reposDir: string;
  cache: BugCache;
  /** the Markdown of bug and repository pages: rendered in `render`, bounded per page, kept */
  markdown: RenderedMarkdown;
  /** the one bound on git processes started for web requests (git over HTTP, code browsing) */
  gitLimit: ProcessLimit;
  /** host:port used in clone URLs when the request's Host header is unusable */
  fallbackHost: string;
  /** Markdown and highlighting off the main thread */
  render: RenderPool;
}
