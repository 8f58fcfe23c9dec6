// The cache's Prometheus metrics, registered on the server's registry.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type InvalidationReason = 'hook' | 'refs-changed' | 'manual';

export interface CacheMetrics {
  workers: Gauge;
  opens: Counter;
  buildSeconds: Histogram;
  hits: Counter;
  invalidations: Counter<'reason'>;
  idleCloses: Counter;
  evictions: Counter;
  workerFailures: Counter;
}

export function createCacheMetrics(registry: Registry): CacheMetrics {
  const registers = [registry];
  return {
    workers: new Gauge({ name: 'bugserve_cache_workers', help: 'Live cache worker threads', registers }),
    opens: new Counter({ name: 'bugserve_cache_opens_total', help: 'Caches built (worker starts)', registers }),
    buildSeconds: new Histogram({
      name: 'bugserve_cache_build_seconds',
      help: 'Time to build a repository cache, worker start included',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
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
