// Throughput: autocannon against a warm server in a child process, for the
// JSON API's default list and the HTML list page, at 8 and 64 connections.
// Baseline: the same server and URL answered by its cheapest route
// (/-/healthz), which shows what HTTP alone costs on this machine.

import autocannon from 'autocannon';
import { REPOS_DIR, type Dataset } from './lib/data.js';
import { serverIndexWritten, startChildServer, timedGet } from './lib/http.js';
import { table, type Section, type Target } from './lib/report.js';
import { ms, verdict } from './lib/stats.js';

const TARGET_RPS = 10_000;

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function cannon(url: string, connections: number, seconds: number): Promise<Run> {
  const r = await autocannon({ url, connections, duration: seconds });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

export async function throughputSection(ds: Dataset, seconds: number, log: (s: string) => void): Promise<Section> {
  const server = await startChildServer({ reposDir: REPOS_DIR, cacheMode: 'warm', packRefs: false });
  const rows: string[][] = [];
  const targets: Target[] = [];
  try {
    const urls = [
      ['/-/healthz (baseline: HTTP alone)', '/-/healthz'],
      [`API: /api/v1/repos/${ds.name}/bugs`, `/api/v1/repos/${ds.name}/bugs`],
      [`page: /${ds.name}/bugs`, `/${ds.name}/bugs`],
    ] as const;
    await timedGet(server.url + urls[1][1]); // build the cache first
    await serverIndexWritten(server.url);
    const healthz = new Map<number, number>();
    for (const [name, p] of urls) {
      for (const connections of [8, 64]) {
        await cannon(server.url + p, connections, 1); // warm-up
        const r = await cannon(server.url + p, connections, seconds);
        log(`  ${name} @${connections}: ${Math.round(r.rps)} req/s`);
        if (p === '/-/healthz') healthz.set(connections, r.rps);
        const base = healthz.get(connections);
        rows.push([
          name,
          String(connections),
          Math.round(r.rps).toLocaleString('en-US'),
          ms(r.p50),
          ms(r.p99),
          String(r.errors + r.non2xx),
          base ? `${((r.rps / base) * 100).toFixed(0)}%` : '',
        ]);
        if (p.startsWith('/api/')) {
          targets.push({
            figure: `Throughput, warm API list, ${connections} connections`,
            target: '>= 10,000 req/s',
            measured: `${Math.round(r.rps).toLocaleString('en-US')} req/s`,
            verdict: verdict(r.rps, TARGET_RPS, true),
            cost:
              "a repeated page is answered from the entry's reply cache with its JSON serialised once, so what remains is " +
              'the main thread alone: the ref-stamp and routing stat() calls (about eight syscalls a request, slow on this ' +
              'VM), the socket writes, and the per-request log line; the load generator shares the two cores. /-/healthz on ' +
              'the same server shows what HTTP alone allows here.',
          });
        }
      }
    }
  } finally {
    await server.close();
  }
  const body = [
    `autocannon (in this process) against a server in a child process, ${seconds} s per run after a 1 s warm-up, ${ds.label} warm. ` +
      'Both share the 2 cores. **Baseline: `/-/healthz`**, the cheapest route (ratio = share of its request rate).',
    '',
    table(['URL', 'connections', 'requests/s', 'latency p50', 'latency p99', 'errors + non-2xx', 'vs healthz'], rows),
  ].join('\n');
  return { title: 'Throughput', body, targets };
}
