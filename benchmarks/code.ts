// Code browsing on a repository with 10,000 files (100 folders of 100) and
// 10,000 commits: the folder, file, commit and history pages over HTTP from a
// server in a child process, p50/p99. The baseline is the same read through
// the `git` command line (one shell per sample, timed until git exits):
// folder = ls-tree + the log walk that dates its entries, file = cat-file,
// commit = show with the patch, history = log of 50 commits. A folder's
// first view walks history for its entries' last commits; later views reuse
// that answer (commit ids never change), so both are reported.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { isComplete, markComplete, REPOS_DIR } from './lib/data.js';
import { startChildServer, timedGet } from './lib/http.js';
import { table, type Section, type Target } from './lib/report.js';
import { timeShell } from './lib/run-git.js';
import { ms, summarize, times, verdict } from './lib/stats.js';

const NAME = 'code-10k';
/** The same repository with a commit-graph holding changed-path Bloom filters. */
const GRAPH = 'code-10k-graph';
const FOLDERS = 100;
const PER_FOLDER = 100;
const COMMITS = 10_000;
const WARMUP = 10;
/** A page a person waits for: the figure the section checks. */
const TARGET_P50_MS = 50;

const folder = (d: number) => `src/d${String(d).padStart(2, '0')}`;
const file = (d: number, f: number) => `${folder(d)}/file${String(f).padStart(3, '0')}.ts`;

/** A small TypeScript module, different per file and revision. */
function source(d: number, f: number, rev: number): string {
  const lines = [
    `// module ${d}/${f}, revision ${rev}`,
    `import { helper } from '../d${String((d + 1) % FOLDERS).padStart(2, '0')}/file000.js';`,
    '',
  ];
  for (let i = 0; i < 12; i++) {
    lines.push(
      `export function fn${i}(x: number): number {`,
      `  const y = x * ${i + rev} + ${d * 7 + f}; // step ${i}`,
      `  return helper(y) > ${i * 3} ? y : -y;`,
      '}',
      '',
    );
  }
  return lines.join('\n');
}

/** Writes the repository with one `git fast-import` stream (seconds, not minutes); deterministic. */
async function makeRepo(log: (s: string) => void): Promise<string> {
  const dir = path.join(REPOS_DIR, `${NAME}.git`);
  if (isComplete(dir)) return dir;
  log(
    `code: writing ${COMMITS.toLocaleString('en-US')} commits over ${(FOLDERS * PER_FOLDER).toLocaleString('en-US')} files with git fast-import...`,
  );
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(REPOS_DIR, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const init = spawn('git', ['init', '-q', '--bare', '-b', 'main', dir]);
    init.on('close', (c) => (c === 0 ? resolve() : reject(new Error('git init failed'))));
  });
  const fi = spawn('git', ['--git-dir', dir, 'fast-import', '--quiet', '--done'], { stdio: ['pipe', 'ignore', 'inherit'] });
  const done = new Promise<void>((resolve, reject) =>
    fi.on('close', (c) => (c === 0 ? resolve() : reject(new Error(`fast-import exited ${c}`)))),
  );
  const out: string[] = [];
  let pending = 0;
  const flush = async () => {
    if (!fi.stdin.write(out.join(''))) await new Promise((r) => fi.stdin.once('drain', r));
    out.length = 0;
    pending = 0;
  };
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const base = 1_600_000_000;
  for (let c = 1; c <= COMMITS; c++) {
    const when = base + c * 600;
    out.push(`commit refs/heads/main\nmark :${c}\ncommitter Bench <bench@example.org> ${when} +0000\n`);
    out.push(
      data(
        c === 1
          ? 'Initial import of 10,000 files\n'
          : `Change ${c}: tune module ${(c * 7919) % (FOLDERS * PER_FOLDER)}\n\nA longer description of change ${c}.\n`,
      ),
    );
    if (c > 1) out.push(`from :${c - 1}\n`);
    if (c === 1) {
      out.push(`M 100644 inline README.md\n${data('# code-10k\n\nA benchmark repository: 100 folders of 100 TypeScript files.\n')}`);
      for (let d = 0; d < FOLDERS; d++)
        for (let f = 0; f < PER_FOLDER; f++) out.push(`M 100644 inline ${file(d, f)}\n${data(source(d, f, 0))}`);
    } else {
      const n = (c * 7919) % (FOLDERS * PER_FOLDER);
      const d = Math.floor(n / PER_FOLDER);
      const f = n % PER_FOLDER;
      out.push(`M 100644 inline ${file(d, f)}\n${data(source(d, f, c))}`);
    }
    out.push('\n');
    if (++pending >= 200) await flush();
  }
  out.push('done\n');
  await flush();
  fi.stdin.end();
  await done;
  markComplete(dir);
  return dir;
}

/** A copy with `git commit-graph write --changed-paths`: path-limited walks skip most tree diffs. */
async function graphCopy(source: string): Promise<string> {
  const dir = path.join(REPOS_DIR, `${GRAPH}.git`);
  if (isComplete(dir)) return dir;
  rmSync(dir, { recursive: true, force: true });
  const run = (args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const c = spawn('git', args, { stdio: 'ignore' });
      c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git ${args.join(' ')} exited ${code}`))));
    });
  await run(['clone', '-q', '--bare', source, dir]);
  await run(['--git-dir', dir, 'commit-graph', 'write', '--reachable', '--changed-paths']);
  markComplete(dir);
  return dir;
}

interface Page {
  name: string;
  /** a path per sample (folders differ for first views) */
  paths: (i: number) => string;
  /** the baseline: a shell script, $1 is the git folder */
  git: (i: number) => string;
  /** default: the repository without a commit-graph */
  graph?: boolean;
  samples: number;
  warmup: number;
}

async function timeHttp(base: string, p: Page): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < p.samples + p.warmup; i++) {
    const [status, t] = await timedGet(base + p.paths(i));
    if (status !== 200) throw new Error(`${p.paths(i)} answered ${status}`);
    if (i >= p.warmup) out.push(t);
  }
  return out;
}

async function timeGit(gitDir: string, p: Page): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < p.samples; i++) out.push(await timeShell(p.git(i), p.graph ? path.join(REPOS_DIR, `${GRAPH}.git`) : gitDir));
  return out;
}

export async function codeSection(quick: boolean, log: (s: string) => void): Promise<Section> {
  const gitDir = await makeRepo(log);
  await graphCopy(gitDir);
  if (!existsSync(gitDir)) throw new Error('the code repository was not written');
  const n = quick ? 20 : 200;
  // The commit in the middle of history, and a file it touched.
  const mid = COMMITS / 2;
  const midFile = (() => {
    const k = (mid * 7919) % (FOLDERS * PER_FOLDER);
    return file(Math.floor(k / PER_FOLDER), k % PER_FOLDER);
  })();
  const midHash = await new Promise<string>((resolve, reject) => {
    const c = spawn('git', ['--git-dir', gitDir, 'rev-parse', `main~${COMMITS - mid}`]);
    let s = '';
    c.stdout.on('data', (b: Buffer) => (s += b.toString()));
    c.on('close', (code) => (code === 0 ? resolve(s.trim()) : reject(new Error('rev-parse failed'))));
  });
  const logFmt = "--format='%H%x00%ct%x00%s'";
  const pages: Page[] = [
    {
      name: 'folder of 100 files, first view',
      // Each sample a folder not seen before (the last-commit answer is kept per folder).
      paths: (i) => `/${NAME}/tree/main/${folder(i % FOLDERS)}`,
      git: (i) =>
        `git --git-dir="$1" ls-tree -l main:${folder(i % FOLDERS)} >/dev/null && git --git-dir="$1" log -z --name-only ${logFmt} main -- ${folder(i % FOLDERS)} >/dev/null`,
      samples: Math.min(n, FOLDERS),
      warmup: 0,
    },
    {
      name: 'folder of 100 files, again',
      paths: () => `/${NAME}/tree/main/${folder(42)}`,
      git: () =>
        `git --git-dir="$1" ls-tree -l main:${folder(42)} >/dev/null && git --git-dir="$1" log -z --name-only ${logFmt} main -- ${folder(42)} >/dev/null`,
      samples: n,
      warmup: WARMUP,
    },
    {
      name: 'root folder',
      paths: () => `/${NAME}/tree/main`,
      git: () => `git --git-dir="$1" ls-tree -l main >/dev/null && git --git-dir="$1" log -z --name-only ${logFmt} -n 1 main >/dev/null`,
      samples: n,
      warmup: WARMUP,
    },
    {
      name: 'file, highlighted (65 lines)',
      paths: () => `/${NAME}/blob/main/${file(42, 17)}`,
      git: () => `git --git-dir="$1" cat-file -p main:${file(42, 17)} >/dev/null`,
      samples: n,
      warmup: WARMUP,
    },
    {
      name: 'commit with its diff',
      paths: () => `/${NAME}/commit/${midHash}`,
      git: () => `git --git-dir="$1" show --patch ${midHash} >/dev/null`,
      samples: n,
      warmup: WARMUP,
    },
    {
      name: 'history, first page (50)',
      paths: () => `/${NAME}/commits/main`,
      git: () => `git --git-dir="$1" log -z -n 50 ${logFmt} main >/dev/null`,
      samples: n,
      warmup: WARMUP,
    },
    {
      name: 'history of one file',
      paths: () => `/${NAME}/commits/main/${midFile}`,
      git: () => `git --git-dir="$1" log -z -n 50 ${logFmt} main -- ${midFile} >/dev/null`,
      samples: n,
      warmup: WARMUP,
    },
  ];
  // The two path-limited walks again, on the copy with a commit-graph.
  for (const p of [pages[0], pages[6]]) {
    pages.push({ ...p, name: `${p.name}, with a commit-graph`, graph: true, paths: (i) => p.paths(i).replace(`/${NAME}/`, `/${GRAPH}/`) });
  }

  const server = await startChildServer({ reposDir: REPOS_DIR, cacheMode: 'warm', packRefs: false });
  const rows: string[][] = [];
  const targets: Target[] = [];
  try {
    for (const p of pages) {
      log(`code: ${p.name}`);
      const web = summarize(await timeHttp(server.url, p));
      const cli = summarize(await timeGit(gitDir, p));
      rows.push([p.name, ms(web.p50), ms(web.p99), ms(cli.p50), ms(cli.p99), times(cli.p50, web.p50), String(web.n)]);
      if (p.name !== 'folder of 100 files, again') {
        targets.push({
          figure: `code: ${p.name}, p50`,
          target: `≤ ${TARGET_P50_MS} ms`,
          measured: ms(web.p50),
          verdict: verdict(web.p50, TARGET_P50_MS),
        });
      }
    }
  } finally {
    await server.close();
  }
  const body = [
    `A repository of ${(FOLDERS * PER_FOLDER).toLocaleString('en-US')} files (100 folders of 100 TypeScript modules) and ${COMMITS.toLocaleString('en-US')} commits, each changing one file, written once with \`git fast-import\` (benchmarks/code.ts, cached as benchmarks/.data/repos/${NAME}.git).`,
    'bugserve: sequential keep-alive GETs against a server in a child process, whole page received. git: the same read with the `git` command line, one shell per sample, output discarded (no HTML, no highlighting). A ratio above 1 means the page is faster than the command line read.',
    '',
    table(['page', 'bugserve p50', 'bugserve p99', 'git CLI p50', 'git CLI p99', 'git CLI / bugserve (p50)', 'samples'], rows),
    '',
    "The last two rows read a copy of the repository after `git commit-graph write --reachable --changed-paths`: its Bloom filters let a path-limited walk (a folder's dates, a file's history) skip the tree diff of most commits. bugserve does not write commit-graphs itself; `git maintenance` or a cron job can.",
    '',
    "A folder's first view dates its entries with one `git log --name-only` walk that stops once every entry is found (at most 2,000 commits or 1.5 s; entries not found show no date); that answer is kept per (commit, folder), so later views skip the walk.",
  ].join('\n');
  return { title: 'Code browsing (10,000 files, 10,000 commits)', body, targets };
}
