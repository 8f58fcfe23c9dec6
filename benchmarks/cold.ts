// Cold build: a fresh cache manager, one `open` call (worker start + reader +
// index), for each repository, ref layout and git backend. Baselines in the
// same run: the isomorphic-git backend (the ratio column), git alone reading
// the same objects, and the reader over single pipelined reads without the
// bulk read.

import { GitBugCacheManager } from '../src/cache/manager.js';
import type { RequestOf } from '../src/cache/protocol.js';
import type { GitBackend } from '../src/git/open.js';
import { isDeepStrictEqual } from 'node:util';
import { CatFileStore } from '../src/git/cat-file.js';
import { openGitStore } from '../src/git/open.js';
import type { GitStore } from '../src/git/store.js';
import { loadRepository } from '../src/gitbug/load.js';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { DATA_DIR, REPOS_DIR, removeRepo, scratchCopy, type Dataset } from './lib/data.js';
import { cpuTimes } from './lib/machine.js';
import { table, type Section, type Target } from './lib/report.js';
import { ALL_OBJECTS_SCRIPT, countObjects, REACHABLE_SCRIPT, timeShell } from './lib/run-git.js';
import { ms, spread, summarize, times, verdict } from './lib/stats.js';

export interface ColdRun {
  wallMs: number;
  readerMs: number;
  nodeCpuMs: number;
  gitCpuMs: number;
  /** until the index was on disk too (a given indexDir only; else wallMs) */
  writtenMs: number;
}

export interface ColdPlan {
  dataset: Dataset;
  backend: GitBackend;
  runs: number;
  /** a run still going after this long is stopped and reported as such */
  timeoutMs: number;
}

const TARGET_10K_MS = 1000;

/** A fresh, empty DATA/cache for a first-ever build. */
export function freshIndexDir(): string {
  return mkdtempSync(path.join(DATA_DIR, 'index-'));
}

/**
 * One cold build through the cache manager, as the server does it. With an
 * empty `indexDir`, the first-ever build (compiling and writing the index);
 * with one a previous build wrote, a server restart's reopen.
 */
export async function coldBuild(ds: Dataset, backend: GitBackend, timeoutMs = Infinity, indexDir?: string): Promise<ColdRun | 'timeout'> {
  const own = indexDir === undefined;
  const dir = indexDir ?? freshIndexDir();
  // The dataset is shared: its loose refs stay loose (a server would pack them; reopens() shows that).
  const cache = new GitBugCacheManager({ reposDir: REPOS_DIR, backend, maxWorkers: 1, indexDir: dir, packRefs: false });
  try {
    const c0 = cpuTimes();
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const stats = await Promise.race([cache.call(ds.name, { kind: 'open' }), timedOut]);
    clearTimeout(timer);
    if (stats === 'timeout') return 'timeout';
    if (stats.bugs !== ds.bugs || stats.damaged > 0) {
      throw new Error(`${ds.name} (${backend}): compiled ${stats.bugs} bugs and ${stats.damaged} damaged, expected ${ds.bugs} and none`);
    }
    const wallMs = performance.now() - started;
    const c1 = cpuTimes();
    // A first build answers from memory, then writes its index: a later reopen needs it on disk.
    if (!own) await cache.indexWritten(ds.name);
    const writtenMs = performance.now() - started;
    return {
      wallMs,
      writtenMs,
      readerMs: stats.buildMs,
      nodeCpuMs: c0 && c1 ? c1.self - c0.self : NaN,
      gitCpuMs: c0 && c1 ? c1.children - c0.children : NaN,
    };
  } finally {
    await cache.close();
    if (own) rmSync(dir, { recursive: true, force: true });
  }
}

const REOPEN_COST =
  'a new worker thread and its modules (~75 ms; the prewarmed spare only serves opens in a running server, and it is gone ' +
  'after the idle timeout); then the open itself (~100 ms in a thread whose code V8 has not compiled yet): the ref files ' +
  "read (the refs are packed by now), the catalog's 64 shard fingerprints compared with them, nothing to compile or write. " +
  "The first list page then comes from the stored list view (every bug's status and the sort orders, one BLOB; the 50 " +
  'excerpts read by row number): no list row is decoded before the answer. The rows (~150 ms) are read after it.';

interface Reopen {
  first: number;
  /** the first build until its index was on disk and its refs packed */
  firstWritten: number;
  restart: number[];
  /** after a restart, the first bug page instead of the first list */
  restartPage: number[];
  idle: number[];
  indexBytes: number;
}

/**
 * With the index, on a scratch copy of the dataset (the server packs its
 * loose refs once the first build is done, as it would in production): the
 * first-ever build, then reopens after a server restart (a new manager over
 * the same DATA/cache) and after an idle expiry (the same manager, its
 * worker retired by the idle timer), each until the first list page is
 * answered (what a visitor to the bug list waits for); after a restart also
 * until a bug page is answered (which needs no list rows).
 */
async function reopens(source: Dataset, runs: number): Promise<Reopen> {
  const ds = scratchCopy(source, 'reopen-scratch');
  const dir = freshIndexDir();
  const list = { kind: 'list', q: undefined, page: 1, perPage: 50 } as const;
  const manager = (idleTimeoutMs?: number) =>
    new GitBugCacheManager({ reposDir: REPOS_DIR, maxWorkers: 1, indexDir: dir, ...(idleTimeoutMs ? { idleTimeoutMs } : {}) });
  const timed = async (m: GitBugCacheManager, req: RequestOf<'list' | 'bug'>): Promise<number> => {
    const t = performance.now();
    await m.call(ds.name, req);
    return performance.now() - t;
  };
  try {
    const m0 = manager();
    let first: number;
    let firstWritten: number;
    let bug: string;
    try {
      const t = performance.now();
      const stats = await m0.call(ds.name, { kind: 'open' });
      first = performance.now() - t;
      if (stats.bugs !== ds.bugs) throw new Error(`${ds.name}: compiled ${stats.bugs} bugs, expected ${ds.bugs}`);
      await m0.settled(ds.name);
      firstWritten = performance.now() - t;
      bug = (await m0.call(ds.name, list)).bugs[0].id;
    } finally {
      await m0.close();
    }
    const restart: number[] = [];
    const restartPage: number[] = [];
    for (let i = 0; i < runs; i++) {
      for (const [into, req] of [
        [restart, list],
        [restartPage, { kind: 'bug', prefix: bug }],
      ] as const) {
        const m = manager();
        try {
          into.push(await timed(m, req));
        } finally {
          await m.close();
        }
      }
    }
    const idleMs = 300;
    const cache = manager(idleMs);
    const idle: number[] = [];
    try {
      await cache.call(ds.name, list);
      for (let i = 0; i < runs; i++) {
        while (cache.warmRepositories().length > 0) await new Promise((r) => setTimeout(r, idleMs / 3));
        idle.push(await timed(cache, list));
      }
    } finally {
      await cache.close();
    }
    return { first, firstWritten, restart, restartPage, idle, indexBytes: folderBytes(dir) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    removeRepo(ds);
  }
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += statSync(path.join(e.parentPath, e.name)).size;
  }
  return total;
}

/** The reader over single pipelined `cat-file --batch` reads: the bulk read hidden. */
async function singleReads(ds: Dataset): Promise<number> {
  const store = new CatFileStore(ds.path);
  const noBulk: GitStore = {
    listRefs: (p) => store.listRefs(p),
    readCommit: (o) => store.readCommit(o),
    readTree: (o) => store.readTree(o),
    readBlob: (o) => store.readBlob(o),
    close: () => store.close(),
  };
  const started = performance.now();
  try {
    await loadRepository(noBulk);
    return performance.now() - started;
  } finally {
    await store.close();
  }
}

/**
 * Both backends must compile the same bugs before their speeds mean anything:
 * the bulk, batched path (cat-file) against plain single reads (isomorphic-git).
 */
export async function backendsAgree(ds: Dataset): Promise<boolean> {
  const load = async (backend: GitBackend) => {
    const store = openGitStore(ds.path, backend);
    try {
      return await loadRepository(store);
    } finally {
      await store.close();
    }
  };
  const [a, b] = [await load('cat-file'), await load('isomorphic-git')];
  // Identities are keyed by id; their insertion order is the order reads completed.
  const byId = (m: Map<string, unknown>) => [...m].sort(([x], [y]) => (x < y ? -1 : 1));
  return isDeepStrictEqual(a.bugs, b.bugs) && isDeepStrictEqual(byId(a.identities), byId(b.identities)) && a.damaged.length === 0;
}

interface Row {
  ds: Dataset;
  what: string;
  runs: number[];
  reader?: number[];
  cpu?: string;
  note?: string;
}

export async function coldSection(plans: ColdPlan[], baselineData: Dataset[], log: (s: string) => void): Promise<Section> {
  const agree = await backendsAgree(baselineData[0]);
  log(`  ${baselineData[0].name}: both backends compile the same bugs: ${agree}`);
  if (!agree) throw new Error(`the two backends compile ${baselineData[0].name} differently`);
  const rows: Row[] = [];
  const isoMedian = new Map<string, number>();
  let catFile10k: number | undefined;

  for (const p of plans) {
    const { dataset: ds, backend } = p;
    const runs: ColdRun[] = [];
    let timedOut = false;
    for (let i = 0; i < p.runs; i++) {
      const r = await coldBuild(ds, backend, p.timeoutMs);
      if (r === 'timeout') {
        timedOut = true;
        break;
      }
      runs.push(r);
    }
    const wall = runs.map((r) => r.wallMs);
    const s = summarize(wall);
    log(`  cold ${ds.name} ${backend}: ${runs.length ? spread(s) : 'timed out'}`);
    if (backend === 'isomorphic-git' && runs.length) isoMedian.set(`${ds.name}`, s.median);
    if (backend === 'cat-file' && ds.bugs === 10_000 && ds.refs === 'loose') catFile10k = s.median;
    const cpu = runs.length
      ? `${ms(summarize(runs.map((r) => r.nodeCpuMs)).median)} / ${ms(summarize(runs.map((r) => r.gitCpuMs)).median)}`
      : '';
    rows.push({
      ds,
      what: backend,
      runs: wall,
      reader: runs.map((r) => r.readerMs),
      cpu,
      note: timedOut ? `stopped after ${Math.round(p.timeoutMs / 1000)} s` : undefined,
    });
  }

  // Baselines: git alone on the same objects, and single reads without the bulk read.
  const baseRows: string[][] = [];
  const allObjects = new Map<string, number>();
  for (const ds of baselineData) {
    const objects = countObjects(ds.path);
    const reach = summarize([
      await timeShell(REACHABLE_SCRIPT, ds.path),
      await timeShell(REACHABLE_SCRIPT, ds.path),
      await timeShell(REACHABLE_SCRIPT, ds.path),
    ]);
    const all = summarize([
      await timeShell(ALL_OBJECTS_SCRIPT, ds.path),
      await timeShell(ALL_OBJECTS_SCRIPT, ds.path),
      await timeShell(ALL_OBJECTS_SCRIPT, ds.path),
    ]);
    allObjects.set(ds.name, all.median);
    const single = summarize([await singleReads(ds)]);
    log(`  baselines ${ds.name}: reachable ${ms(reach.median)}, all objects ${ms(all.median)}, single reads ${ms(single.median)}`);
    baseRows.push(
      [
        ds.label,
        `git alone: rev-list --objects | cat-file --batch --buffer (what the bulk read asks git for, ${objects.toLocaleString('en-US')} objects)`,
        spread(reach),
      ],
      [ds.label, 'git alone: cat-file --batch-all-objects --batch --unordered (every object, pack order)', spread(all)],
      [ds.label, 'reader over single pipelined cat-file --batch reads, no bulk read (in-process, no worker)', spread(single)],
    );
  }

  const body: string[] = [];
  body.push(
    'A fresh `GitBugCacheManager` per run and one `open` call: worker thread start, listing refs, reading objects, ' +
      'decoding, compiling and indexing, until the reply is back on the main thread. "Reader" is the part inside the ' +
      'worker (its own `buildMs`). CPU is this process (all threads) / its git children, medians. ' +
      '**Baseline: the isomorphic-git backend on the same repository** (ratio = its median / this median).',
    '',
    table(
      ['data', 'refs', 'backend', 'cold build: median (min – max)', 'reader alone (median)', 'CPU node / git', 'runs', 'vs isomorphic-git'],
      rows.map((r) => {
        const s = summarize(r.runs);
        const iso = isoMedian.get(r.ds.name);
        return [
          r.ds.label,
          r.ds.refs,
          r.what,
          r.runs.length ? spread(s) : (r.note ?? 'n/a'),
          r.reader?.length ? ms(summarize(r.reader).median) : '',
          r.cpu ?? '',
          String(r.runs.length) + (r.note ? ` (${r.note})` : ''),
          iso !== undefined && r.runs.length ? times(iso, s.median) : 'no baseline run',
        ];
      }),
    ),
    '',
    `Before timing, ${baselineData[0].label} was compiled in-process with both backends and the results compared: identical.`,
    '',
    'The same data read by git alone, and by the reader without its bulk read (3 runs of git, 1 of the reader):',
    '',
    table(['data', 'what', 'median (min – max)'], baseRows),
  );

  // The persisted index: first-ever build against git reading every object, and reopens.
  const indexed = plans
    .filter((p) => p.backend === 'cat-file' && p.dataset.refs === 'loose' && allObjects.has(p.dataset.name) && p.dataset.bugs >= 1000)
    .sort((a, b) => b.dataset.bugs - a.dataset.bugs)[0];
  const targets: Target[] = [];
  if (indexed) {
    const ds = indexed.dataset;
    const r = await reopens(ds, Math.max(1, indexed.runs));
    const base = allObjects.get(ds.name)!;
    const restart = summarize(r.restart);
    const restartPage = summarize(r.restartPage);
    const idle = summarize(r.idle);
    log(`  index ${ds.name}: first-ever ${ms(r.first)}, restart ${spread(restart)}, idle expiry ${spread(idle)}, ${r.indexBytes} bytes`);
    body.push(
      '',
      `With the persisted index (DATA/cache), ${ds.label}, cat-file backend, on a copy of the loose-refs repository (the ` +
        'server packs its refs once the first build is done). Each reopen is timed until the first list page is answered ' +
        '(a bug page needs less: the row below). **Baseline: git alone, ' +
        '`cat-file --batch-all-objects --batch --unordered` on the same repository** (table above).',
      '',
      table(
        ['what', 'median (min – max)', 'vs git alone'],
        [
          ['first-ever build: the first answer (compiled into memory)', ms(r.first), times(r.first, base)],
          [
            'first-ever build: its index on disk and its refs packed too (after the answer, between requests)',
            ms(r.firstWritten),
            times(r.firstWritten, base),
          ],
          ['reopen after a server restart (new manager, same index): first list page', spread(restart), times(restart.median, base)],
          ['reopen after a server restart: first bug page instead', spread(restartPage), times(restartPage.median, base)],
          ['reopen after an idle expiry (same manager, worker retired): first list page', spread(idle), times(idle.median, base)],
        ],
      ),
      '',
      `Index file: ${(r.indexBytes / 1e6).toFixed(1)} MB, ${Math.round(r.indexBytes / ds.bugs).toLocaleString('en-US')} bytes per bug.`,
    );
    targets.push(
      {
        figure: `First-ever build, ${ds.label}, vs git cat-file --batch-all-objects`,
        target: '<= 1.5x',
        measured: `${ms(r.first)} (${(r.first / base).toFixed(2)}x)`,
        verdict: r.first <= 1.5 * base ? 'met' : 'not met',
        cost:
          'the compile itself, as in the cold build below: git streaming the objects (rev-list | cat-file, slower than ' +
          '--batch-all-objects because rev-list walks every commit and tree first), and in the worker decoding packs, a sha256 ' +
          "per operation, replaying snapshots and garbage collection, about twice git's CPU time. Writing the index is no " +
          'longer in this figure: it happens after the answer (the next row of the table).',
      },
      {
        figure: `Reopen after a server restart, ${ds.label}`,
        target: '<= 300 ms',
        measured: ms(restart.median),
        verdict: verdict(restart.median, 300),
        cost: REOPEN_COST,
      },
      {
        figure: `Reopen after an idle expiry, ${ds.label}`,
        target: '<= 300 ms',
        measured: ms(idle.median),
        verdict: verdict(idle.median, 300),
        cost: REOPEN_COST,
      },
      {
        figure: `Index bytes per bug, ${ds.label}`,
        target: 'report',
        measured: Math.round(r.indexBytes / ds.bugs).toLocaleString('en-US'),
        verdict: 'measured',
      },
    );
  }
  if (catFile10k !== undefined) {
    targets.push({
      figure: 'Cold build, 10k bugs (cat-file backend, loose refs, reader + worker start)',
      target: '<= 1.0 s',
      measured: ms(catFile10k),
      verdict: verdict(catFile10k, TARGET_10K_MS),
      cost:
        'git itself: the rev-list | cat-file stream of the same objects alone takes the time shown in the baseline table (blobs ' +
        'are delta chains up to 50 deep; cat-file flushes per blob), and rev-list parses every commit and tree that cat-file then ' +
        'reads again. In the worker, by self time: garbage collection (the compiled bugs survive and are copied out of the young ' +
        'generation), indexing the stream and reading it back, compiling snapshots, then decoding packs (JSON.parse of ~45 MB, ' +
        'a sha256 per operation). The two halves overlap (the next batch is read while one compiles) only when a core is free; ' +
        'on a loaded machine they add up (here, batches of 2,500, 5,000 and one of 10,000 bugs measured the same: the ' +
        'build is bound by total CPU, git ~2.4 s plus JavaScript ~4 s). Walking the DAGs through `cat-file --batch-command` ' +
        'instead of rev-list was tried: git CPU fell from ~3.0 to ~2.1 s, but this thread took ~1 s more (reading 142k ' +
        'commit and tree records as they came, an id map and set entry each), and the build took as long. Next: a ' +
        'cheaper compile, and any walk without a map entry per object.',
    });
  }
  return { title: 'Cold build', body: body.join('\n'), targets };
}
