// The main thread while a 10k-bug cache builds in its worker: how late the
// event loop runs (perf_hooks' event-loop delay histogram) and how long
// another repository's warm page takes meanwhile. Baseline: the same two
// measurements over a quiet window of the same length, no build running.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GitBugCacheManager } from '../src/cache/manager.js';
import { REPOS_DIR, type Dataset } from './lib/data.js';
import { table, type Section } from './lib/report.js';
import { ms, summarize, verdict } from './lib/stats.js';

const PROBE_EVERY_MS = 20;
const TARGET_P99_MS = 20;

interface Window {
  delayP50: number;
  delayP99: number;
  delayMax: number;
  probes: number[];
  ms: number;
}

/** Measures until `until` settles, probing `other`'s warm list page. */
async function observe(cache: GitBugCacheManager, other: Dataset, until: Promise<unknown>): Promise<Window> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  const probes: number[] = [];
  let done = false;
  const started = performance.now();
  void until.finally(() => (done = true));
  h.enable();
  while (!done) {
    const t = performance.now();
    await cache.call(other.name, { kind: 'list', q: undefined, page: 1, perPage: 50 });
    probes.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
  }
  await until;
  h.disable();
  return {
    delayP50: h.percentile(50) / 1e6,
    delayP99: h.percentile(99) / 1e6,
    delayMax: h.max / 1e6,
    probes,
    ms: performance.now() - started,
  };
}

export async function eventLoopSection(big: Dataset, other: Dataset, runs: number, log: (s: string) => void): Promise<Section> {
  const rows: string[][] = [];
  const during: Window[] = [];
  const quiet: Window[] = [];
  for (let i = 0; i < runs; i++) {
    const cache = new GitBugCacheManager({ reposDir: REPOS_DIR, maxWorkers: 4, packRefs: false });
    try {
      await cache.call(other.name, { kind: 'open' });
      const build = cache.call(big.name, { kind: 'open' });
      const w = await observe(cache, other, build);
      during.push(w);
      // The quiet window: as long as the build took, nothing else running.
      quiet.push(await observe(cache, other, new Promise((r) => setTimeout(r, Math.min(w.ms, 10_000)))));
      log(`  event loop during ${big.name} build: p99 ${ms(w.delayP99)}, probe p50 ${ms(summarize(w.probes).p50)}`);
    } finally {
      await cache.close();
    }
  }
  const row = (name: string, ws: Window[]) => {
    const probes = summarize(ws.flatMap((w) => w.probes));
    return [
      name,
      ms(summarize(ws.map((w) => w.delayP50)).median),
      ms(summarize(ws.map((w) => w.delayP99)).median),
      ms(Math.max(...ws.map((w) => w.delayMax))),
      `${ms(probes.p50)} / ${ms(probes.p99)} (${probes.n})`,
      ms(summarize(ws.map((w) => w.ms)).median),
    ];
  };
  rows.push(row('quiet main thread (baseline)', quiet), row(`during a cold build of ${big.label}`, during));
  const p99 = summarize(during.map((w) => w.delayP99)).median;
  const body = [
    `Event-loop delay from \`perf_hooks.monitorEventLoopDelay\` (1 ms resolution) on the main thread while one ${big.label} ` +
      `cold build runs in its worker (${runs} runs, medians of the per-run percentiles); meanwhile ${other.label}'s warm default ` +
      `list page is requested every ${PROBE_EVERY_MS} ms through the same manager. **Baseline: the same measurement over a quiet window of the same length.**`,
    '',
    table(['window', 'delay p50', 'delay p99', 'delay max', 'other repo warm page p50 / p99 (requests)', 'window length'], rows),
  ].join('\n');
  return {
    title: 'Main thread during a 10k cold build',
    body,
    targets: [
      {
        figure: 'Event-loop delay p99 during a 10k cold build',
        target: '<= 20 ms',
        measured: ms(p99),
        verdict: verdict(p99, TARGET_P99_MS),
      },
    ],
  };
}
