// The cache's Prometheus metrics, registered on the server's registry.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type InvalidationReason = 'hook' | 'refs-changed' | 'manual';

export interface CacheMetrics {
  workers: Gauge;
  opens: Counter;
  spareOpens: Counter;
  buildSeconds: Histogram<'kind'>;
  refreshedBugs: Counter;
  indexWrites: Counter;
  hits: Counter;
  invalidations: Counter<'reason'>;
  idleCloses: Counter;
  evictions: Counter;
  workerFailures: Counter;
}

/** `indexDir`: DATA/cache, whose files' total size is reported at each scrape. */
export function createCacheMetrics(registry: Registry, indexDir?: string): CacheMetrics {
  const registers = [registry];
  if (indexDir) {
    new Gauge({
      name: 'bugserve_cache_index_bytes',
      help: 'Bytes of the persisted bug indexes on disk (DATA/cache)',
      registers,
      collect() {
        this.set(folderBytes(indexDir));
      },
    });
  }
  return {
    workers: new Gauge({ name: 'bugserve_cache_workers', help: 'Live cache worker threads', registers }),
    opens: new Counter({ name: 'bugserve_cache_opens_total', help: 'Caches built (worker starts)', registers }),
    spareOpens: new Counter({
      name: 'bugserve_cache_spare_opens_total',
      help: 'Opens that took the prewarmed spare worker thread instead of starting one',
      registers,
    }),
    buildSeconds: new Histogram({
      name: 'bugserve_cache_build_seconds',
      help: 'Time to build a repository cache, worker start included (kind: full compile or incremental from the index)',
      labelNames: ['kind'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    refreshedBugs: new Counter({
      name: 'bugserve_cache_refreshed_bugs_total',
      help: 'Bugs compiled by cache builds (an incremental build compiles only what changed)',
      registers,
    }),
    indexWrites: new Counter({
      name: 'bugserve_cache_index_writes_total',
      help: "First builds' indexes written to disk (after the build answered from memory)",
      registers,
    }),
    hits: new Counter({ name: 'bugserve_cache_hits_total', help: 'Requests answered by an already built cache', registers }),
    invalidations: new Counter({
      name: 'bugserve_cache_invalidations_total',
      help: 'Caches thrown away because the bug refs changed',
      labelNames: ['reason'],
      registers,
    }),
    idleCloses: new Counter({ name: 'bugserve_cache_idle_closes_total', help: 'Workers closed after the idle timeout', registers }),
    evictions: new Counter({ name: 'bugserve_cache_evictions_total', help: 'Workers closed to stay within --max-workers', registers }),
    workerFailures: new Counter({
      name: 'bugserve_cache_worker_failures_total',
      help: 'Workers that crashed or ran out of memory',
      registers,
    }),
  };
}

function folderBytes(dir: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += folderBytes(p);
    else {
      try {
        total += statSync(p).size;
      } catch {
        // removed meanwhile
      }
    }
  }
  return total;
}
