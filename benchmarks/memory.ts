// Memory. A worker thread lives in the server's process, so its cost is
// measured as the process RSS with one warm worker minus the RSS with none
// (fresh process, main-thread garbage collected before each reading); the
// worker's own V8 heap (the `open` reply's heapUsedBytes) is shown beside it.
// Browsing: one process opens the list page of each of many small
// repositories with the default --max-workers, then waits out a short idle
// timeout (the default is 10 minutes: too long for a benchmark run).

import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { freshIndexDir } from './cold.js';
import { fileURLToPath } from 'node:url';
import type { Dataset } from './lib/data.js';
import { table, type Section, type Target } from './lib/report.js';
import { mb, ms, verdict } from './lib/stats.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'memory-child.js');
const TARGET_10K_BYTES = 60 * 1024 * 1024;
const IDLE_MS = 5000;

function runChild<T>(args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', CHILD, ...args], { maxBuffer: 1 << 20, timeout: 600_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as T);
    });
  });
}

interface WorkerMemory {
  before: number;
  warm: number;
  after: number;
  heapUsedBytes: number;
  bugs: number;
}

interface BrowseMemory {
  before: number;
  peak: number;
  peakThreads: number;
  browsed: number;
  threadsAfterBrowse: number;
  idle: number;
  threadsAfterIdle: number;
  browseMs: number;
  maxWorkers: number;
}

export async function memorySection(workerData: Dataset[], manyRepos: string[], log: (s: string) => void): Promise<Section> {
  const rows: string[][] = [];
  const targets: Target[] = [];
  for (const ds of workerData) {
    const memoryOnly = await runChild<WorkerMemory>(['worker', ds.name]);
    // The server's case: the index was written by an earlier build (another process), this worker reopens it.
    const indexDir = freshIndexDir();
    let m: WorkerMemory;
    let indexBytes: number;
    try {
      indexBytes = (await runChild<{ indexBytes: number }>(['build', ds.name, indexDir])).indexBytes;
      m = await runChild<WorkerMemory>(['worker', ds.name, indexDir]);
    } finally {
      rmSync(indexDir, { recursive: true, force: true });
    }
    const delta = m.warm - m.before;
    log(
      `  worker RSS ${ds.name}: +${mb(delta)} from the index (heap ${mb(m.heapUsedBytes)}), +${mb(memoryOnly.warm - memoryOnly.before)} in memory`,
    );
    rows.push(
      [`${ds.label}, opened from its index`, mb(m.before), mb(m.warm), `**${mb(delta)}**`, mb(m.heapUsedBytes), mb(m.after)],
      [
        `${ds.label}, everything in memory (no index)`,
        mb(memoryOnly.before),
        mb(memoryOnly.warm),
        mb(memoryOnly.warm - memoryOnly.before),
        mb(memoryOnly.heapUsedBytes),
        mb(memoryOnly.after),
      ],
    );
    if (ds.bugs === 10_000) {
      targets.push(
        {
          figure: 'RSS of one warm worker, 10k bugs, opened from its index (process RSS delta)',
          target: '<= 60 MB',
          measured: mb(delta),
          verdict: verdict(delta, TARGET_10K_BYTES),
          cost:
            "the list rows of every bug (title, labels, people, dates, clocks), the search bitmaps and orders, SQLite's page " +
            'cache and the better-sqlite3 module; bug pages and text stay in the file.',
        },
        {
          figure: 'Index bytes per bug, 10k bugs',
          target: 'report',
          measured: `${Math.round(indexBytes / ds.bugs).toLocaleString('en-US')} B`,
          verdict: 'measured',
        },
      );
    }
  }
  const concurrency = 8;
  const b = await runChild<BrowseMemory>(['browse', String(IDLE_MS), String(concurrency), ...manyRepos]);
  log(`  browse ${manyRepos.length} repos: RSS ${mb(b.browsed)}, after idle ${mb(b.idle)}`);
  const browseRows = [
    ['process start (manager, no worker) (baseline)', mb(b.before), '0'],
    [
      `peak while browsing ${manyRepos.length} repositories (${concurrency} at a time, ${ms(b.browseMs)})`,
      mb(b.peak),
      String(b.peakThreads),
    ],
    ['right after browsing', mb(b.browsed), String(b.threadsAfterBrowse)],
    [`after the idle timeout (${IDLE_MS / 1000} s) + 2 s`, mb(b.idle), String(b.threadsAfterIdle)],
  ];
  targets.push({
    figure: `Process RSS after browsing ${manyRepos.length} small repositories (--max-workers ${b.maxWorkers})`,
    target: 'bounded',
    measured: `${mb(b.browsed)} (peak ${mb(b.peak)}, ${b.peakThreads} threads at most)`,
    verdict: b.peakThreads <= b.maxWorkers + concurrency ? 'met (worker count stays bounded)' : `missed (${b.peakThreads} threads)`,
  });
  targets.push({
    figure: 'Process RSS after the idle timeout',
    target: 'back near baseline',
    measured: `${mb(b.idle)} vs ${mb(b.before)} at start`,
    verdict:
      b.threadsAfterIdle === 0 && b.idle < b.before * 1.5
        ? 'met'
        : `missed (+${mb(b.idle - b.before)}, ${b.threadsAfterIdle} threads left)`,
    cost:
      'every worker thread is gone; what stays is memory the process allocator kept after hundreds of worker heaps came and ' +
      'went (closing a single 10k worker leaves a similar remainder, see the worker table), not live objects.',
  });
  const body = [
    'One warm worker: process RSS with no worker (baseline), then with one built worker, in a fresh process; the difference is the ' +
      "worker's cost. The worker's V8 heap (`heapUsedBytes` of the `open` reply) is part of it.",
    '',
    table(
      ['data', 'RSS, no worker (baseline)', 'RSS, one warm worker', 'worker cost (delta)', 'worker V8 heap', 'RSS after closing it'],
      rows,
    ),
    '',
    `Browsing many small repositories (20 bugs each) with the default \`--max-workers\` (${b.maxWorkers}) and an idle timeout of ${IDLE_MS / 1000} s:`,
    '',
    table(['moment', 'process RSS', 'worker threads'], browseRows),
  ].join('\n');
  return { title: 'Memory', body, targets };
}
