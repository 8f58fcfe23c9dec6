// Warm pages: the bug list (default query, a label filter, free text) and the
// page of the biggest bug, answered from a built cache. Server-side is
// GitBugCacheManager.call on this thread (worker round trip and structured
// clone included); HTTP is a keep-alive client against a server in a child
// process (routing, rendering or JSON, the socket). The baseline is the same
// request with `--cache per-request` (build, answer, discard).

import { rmSync } from 'node:fs';
import { GitBugCacheManager } from '../src/cache/manager.js';
import { bugOf, type BugJson, type ListReply, type WorkerRequest } from '../src/cache/protocol.js';
import { freshIndexDir } from './cold.js';
import { REPOS_DIR, type Dataset } from './lib/data.js';
import { serverIndexWritten, startChildServer, timedGet } from './lib/http.js';
import { table, type Section, type Target } from './lib/report.js';
import { ms, spread, summarize, times, verdict } from './lib/stats.js';

interface Page {
  name: string;
  req: WorkerRequest;
  /** path under the server, for the HTML page */
  http: string;
  /** throws unless a reply is this page's; run after each call's timer stops */
  check?: (reply: unknown, first: boolean) => void;
}

const WARMUP = 20;
/** What a page's time is spent on, from profiles of the worker (in the order of pagesOf; a page added goes last, so the others are timed as before). */
const WARM_COST = [
  'the query runs in the worker over a pre-sorted order; the rest is the worker round trip and the 50 excerpts (one JSON text, parsed on this thread).',
  'a label filter tests every bug of the pre-sorted order against a per-label bitmap, then counts open and closed over all 10k bugs.',
  "free text goes through the index's words: the vocabulary (the distinct words of every bug's text) scanned for the " +
    "term, the rows of the words holding it read as bitmaps (664 bugs for 'deadlock'), then the rows filtered and walked " +
    'in memory; the term is in the shown titles, so no comment is read; then the round trip and the excerpts, as for the default list.',
  "the worker reads the bug's API JSON (1.2 MB) from the index as a BLOB, about 0.4 ms, and moves the buffer to the main " +
    'thread (no copy, no object graph); the rest is the round trip. The bytes are the HTTP API body as they are.',
  'the same search, but the term is in comments, not titles: each shown bug gets a snippet, the text around the first ' +
    "comment holding the term, so the worker reads the 50 bugs' texts from the index (~270 KB for this page; bugs with " +
    "more comments hold a word more often) and searches each one's bytes: memchr for the term's rarest letter in both " +
    'cases, each hit compared with the ASCII letters lowercased; only ~1 KB around the match is decoded, not the comment.',
  'a term with a space: the bitmaps give the bugs holding a word ending in "of" and one starting with "the" (6,917 of ' +
    '10,000 here, 1,014 of which hold the phrase); then the word positions of those 13 words, per block of 256 bugs ' +
    '(~520 stored blocks, ~0.5 MB, ~300k positions), are walked a row at a time for an "of" right before a "the". ' +
    'Then snippets for the 50 shown, as for a term in comments.',
];
const TARGET_P50_MS = 1;
const TARGET_RATIO = 500;

async function biggestBug(cache: GitBugCacheManager, ds: Dataset): Promise<{ id: string; comments: number }> {
  const all = await cache.call(ds.name, { kind: 'list', q: '', page: 1, perPage: 1_000_000 });
  let best = all.bugs[0];
  for (const b of all.bugs) if (b.comments > best.comments) best = b;
  return { id: best.id, comments: best.comments };
}

function pagesOf(ds: Dataset, big: { id: string; comments: number }): Page[] {
  const list = (q: string | undefined): WorkerRequest => ({ kind: 'list', q, page: 1, perPage: 50 });
  const base = `/${ds.name}/bugs`;
  return [
    { name: 'bug list, default query (status:open)', req: list(undefined), http: base },
    { name: 'bug list, label filter (label:bug)', req: list('label:bug'), http: `${base}?q=${encodeURIComponent('label:bug')}` },
    { name: 'bug list, free text (deadlock)', req: list('deadlock'), http: `${base}?q=deadlock` },
    {
      name: `bug page, ${big.comments} comments`,
      req: { kind: 'bug', prefix: big.id },
      http: `${base}/${big.id.slice(0, 12)}`,
      check: (reply, first) => {
        const page = reply as BugJson;
        // Every reply names the bug; the first is read whole (parsing is the page's, not the server's, cost).
        const bug = first ? bugOf(page) : undefined;
        if (page.id !== big.id || (bug && (bug.id !== big.id || bug.comments.length !== big.comments))) {
          throw new Error(`the bug page answered with another bug (${page.id})`);
        }
      },
    },
    {
      name: 'bug list, free text in comments (quoted)',
      req: list('quoted'),
      http: `${base}?q=quoted`,
      check: (reply) => {
        const bugs = (reply as ListReply).bugs;
        if (
          bugs.length !== 50 ||
          !bugs.every((b) => b.snippet?.toLowerCase().includes('quoted') && !b.title.toLowerCase().includes('quoted'))
        ) {
          throw new Error("the list of 'quoted' is not 50 bugs with a snippet from a comment");
        }
      },
    },
    {
      name: 'bug list, a phrase of common words ("of the")',
      req: list('"of the"'),
      http: `${base}?q=${encodeURIComponent('"of the"')}`,
      check: (reply) => {
        const { bugs, total } = reply as ListReply;
        if (bugs.length !== 50 || total >= 5000) throw new Error(`the list of "of the" is not 50 of some hundreds of bugs (${total})`);
      },
    },
  ];
}

async function timeCalls(cache: GitBugCacheManager, repo: string, page: Page, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n + WARMUP; i++) {
    const started = performance.now();
    const reply = await cache.call(repo, page.req);
    if (i >= WARMUP) out.push(performance.now() - started);
    page.check?.(reply, i === 0);
  }
  return out;
}

async function timeHttp(url: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n + WARMUP; i++) {
    const [status, t] = await timedGet(url);
    if (status !== 200) throw new Error(`${url} answered ${status}`);
    if (i >= WARMUP) out.push(t);
  }
  return out;
}

export interface WarmPlan {
  dataset: Dataset;
  samples: number;
  perRequestRuns: number;
}

export async function warmSection(plans: WarmPlan[], log: (s: string) => void): Promise<Section> {
  const rows: string[][] = [];
  const targets: Target[] = [];
  for (const plan of plans) {
    const ds = plan.dataset;
    // Server-side figures are the worker's path: without the reply cache every
    // timed call queries the worker. The HTTP server keeps it on, as deployed.
    // With the persisted index, as the server runs (DATA/cache); per-request stays the naive baseline.
    const indexDir = freshIndexDir();
    const cache = new GitBugCacheManager({ reposDir: REPOS_DIR, replyCache: false, indexDir, packRefs: false });
    const perRequest = new GitBugCacheManager({ reposDir: REPOS_DIR, mode: 'per-request', packRefs: false });
    const server = await startChildServer({ reposDir: REPOS_DIR, cacheMode: 'warm', packRefs: false });
    try {
      const big = await biggestBug(cache, ds);
      // As a server runs once its first build has written the index.
      await cache.indexWritten(ds.name);
      // Build the server's cache before timing it.
      await timedGet(server.url + `/${ds.name}/bugs`);
      await serverIndexWritten(server.url);
      for (const [at, page] of pagesOf(ds, big).entries()) {
        const side = summarize(await timeCalls(cache, ds.name, page, plan.samples));
        const overHttp = summarize(await timeHttp(server.url + page.http, plan.samples));
        const naive: number[] = [];
        for (let i = 0; i < plan.perRequestRuns; i++) {
          const started = performance.now();
          await perRequest.call(ds.name, page.req);
          naive.push(performance.now() - started);
        }
        const naiveS = summarize(naive);
        log(`  warm ${ds.name} ${page.name}: p50 ${ms(side.p50)} (HTTP ${ms(overHttp.p50)}), per-request ${ms(naiveS.median)}`);
        rows.push([
          ds.label,
          page.name,
          ms(side.p50),
          ms(side.p99),
          ms(overHttp.p50),
          ms(overHttp.p99),
          spread(naiveS),
          times(naiveS.median, side.p50),
        ]);
        if (ds.bugs === 10_000) {
          targets.push(
            {
              figure: `Warm ${page.name}, 10k, server-side p50`,
              target: '<= 1 ms',
              measured: ms(side.p50),
              verdict: verdict(side.p50, TARGET_P50_MS),
              cost: WARM_COST[at],
            },
            {
              figure: `Warm vs per-request, ${page.name}, 10k`,
              target: '>= 500x',
              measured: times(naiveS.median, side.p50),
              verdict: verdict(naiveS.median / side.p50, TARGET_RATIO, true),
            },
          );
        }
      }
    } finally {
      await server.close();
      await cache.close();
      await perRequest.close();
      rmSync(indexDir, { recursive: true, force: true });
    }
  }
  const body = [
    `Each page: ${WARMUP} warm-up requests, then ${plans.map((p) => `${p.samples} timed ones (${p.dataset.label})`).join(', ')}, one at a time. ` +
      'Server-side = `GitBugCacheManager.call` from the main thread with the reply cache off, so every call runs the query in the worker (worker round trip included; the excerpts of a list cross as one JSON text, a bug as its JSON, UTF-8 bytes). ' +
      "HTTP = the HTML page through a keep-alive connection to a server in a child process as deployed (routing, rendering, socket; a repeated page comes from the entry's reply cache). " +
      '**Baseline: the same request with `--cache per-request`** (a manager in per-request mode: new worker, full build, answer, discard); ' +
      'ratio = per-request median / warm server-side p50. Loose refs (the layout does not matter once warm).',
    '',
    table(
      ['data', 'page', 'server p50', 'server p99', 'HTTP p50', 'HTTP p99', 'per-request: median (min – max)', 'warm vs per-request'],
      rows,
    ),
  ].join('\n');
  return { title: 'Warm pages, and per-request mode', body, targets };
}
