// Memory figures, each in a fresh process so RSS means one thing (see
// memory.ts). Prints one JSON object on stdout.
//   worker <repo> [indexDir]           RSS with no worker, then one warm worker
//   build <repo> <indexDir>            writes the repository's index (first-ever build)
//   browse <idleMs> <concurrency> <repo>...   many repositories, then the idle timeout

import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_MAX_WORKERS, GitBugCacheManager } from '../src/cache/manager.js';
import { REPOS_DIR } from './lib/data.js';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const rss = () => process.memoryUsage().rss;

/** RSS once the main thread's garbage is collected and the allocator has settled. */
async function settledRss(): Promise<number> {
  gc();
  await sleep(300);
  gc();
  return rss();
}

async function build(repo: string, indexDir: string) {
  const cache = new GitBugCacheManager({ reposDir: REPOS_DIR, maxWorkers: 1, indexDir, packRefs: false });
  await cache.call(repo, { kind: 'open' });
  // A first build answers from memory and writes its index after.
  await cache.indexWritten(repo);
  const stats = await cache.call(repo, { kind: 'stats' });
  await cache.close();
  return { bugs: stats.bugs, indexBytes: stats.indexBytes };
}

async function worker(repo: string, indexDir?: string) {
  const cache = new GitBugCacheManager({ reposDir: REPOS_DIR, maxWorkers: 1, indexDir, packRefs: false });
  const before = await settledRss();
  const stats = await cache.call(repo, { kind: 'open' });
  const warm = await settledRss();
  await cache.close();
  const after = await settledRss();
  return { before, warm, after, heapUsedBytes: stats.heapUsedBytes, bugs: stats.bugs };
}

async function browse(idleMs: number, concurrency: number, repos: string[]) {
  const cache = new GitBugCacheManager({ reposDir: REPOS_DIR, idleTimeoutMs: idleMs, packRefs: false });
  const before = await settledRss();
  let peak = rss();
  let peakThreads = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rss());
    peakThreads = Math.max(peakThreads, cache.workerThreads());
  }, 50);
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < repos.length) await cache.call(repos[next++], { kind: 'list', q: undefined, page: 1, perPage: 50 });
    }),
  );
  const browseMs = performance.now() - started;
  const browsed = await settledRss();
  const threadsAfterBrowse = cache.workerThreads();
  await sleep(idleMs + 2000);
  clearInterval(sampler);
  const idle = await settledRss();
  const threadsAfterIdle = cache.workerThreads();
  await cache.close();
  return { before, peak, peakThreads, browsed, threadsAfterBrowse, idle, threadsAfterIdle, browseMs, maxWorkers: DEFAULT_MAX_WORKERS };
}

const [mode, ...args] = process.argv.slice(2);
const result =
  mode === 'worker'
    ? await worker(args[0], args[1])
    : mode === 'build'
      ? await build(args[0], args[1])
      : await browse(Number(args[0]), Number(args[1]), args.slice(2));
process.stdout.write(JSON.stringify(result) + '\n');
