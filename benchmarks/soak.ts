// `npm run soak`: honest and hostile clients together against one real
// server (`bugserve serve` in a child process, loopback only) for a bounded
// time, and what it cost: RSS peak, cache worker and git process peaks,
// failed honest requests (goal 0) and /-/healthz latency (goal p99 <= 50 ms).
//
//   node dist/benchmarks/soak.js [--seconds=60] [--max-workers=4]
//
// Honest: page and API readers over several repositories, a pusher sending
// bug refs over HTTP with the push token (each push invalidates a cache under
// read load), a cloner. Hostile (no token): id-spelling floods, huge Markdown
// pages, slow git-upload-pack bodies, bursts of first requests to many
// repositories. Writes benchmarks/SOAK.md for a full run (60 s or more),
// benchmarks/SOAK.partial.md for a shorter smoke run.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '../src/gen/generate.js';
import { writeHostileRepo } from './lib/hostile-data.js';
import { percentile } from './lib/stats.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const arg = (name: string, fallback: number) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : fallback;
};
const SECONDS = arg('seconds', 60);
const MAX_WORKERS = arg('max-workers', 4);
const HONEST_REPOS = 3;
const MANY_REPOS = 24;
const SLOW_GIT_CONNECTIONS = 20;
const TOKEN = 'soak-token-' + process.pid;
/** `--clients=spellings,markdown,slow-git,first-requests` runs only those hostile kinds (honest ones always run). */
const CLIENTS = new Set(
  (process.argv.find((x) => x.startsWith('--clients='))?.split('=')[1] ?? 'spellings,markdown,slow-git,first-requests').split(','),
);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Reply {
  status: number;
  ms: number;
}

function get(base: string, p: string, timeoutMs = 30_000): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.get(base + p, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      res.on('error', () => resolve({ status: -1, ms: performance.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: -1, ms: performance.now() - started }));
  });
}

function run(cmd: string, args: string[], cwd?: string): Promise<{ ok: boolean; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout: 60_000, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }, (err, _out, stderr) =>
      resolve({ ok: !err, err: err ? (String(stderr).trim().split('\n').pop() ?? err.message) : '' }),
    );
  });
}

/** Every process below `root` (git http-backend, upload-pack, hooks...), by command name. */
function descendants(root: number): string[] {
  const parent = new Map<number, number>();
  const comm = new Map<number, string>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      comm.set(Number(d), stat.slice(stat.indexOf('(') + 1, close));
      parent.set(Number(d), Number(stat.slice(close + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: string[] = [];
  for (const [pid, name] of comm) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) {
        out.push(name);
        break;
      }
    }
  }
  return out;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function startServer(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  // SOAK_NODE_ARGS: node flags for the server (e.g. --cpu-prof, to see where its time goes).
  const nodeArgs = (process.env.SOAK_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...nodeArgs, CLI, 'serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--max-workers', String(MAX_WORKERS)],
    {
      env: { ...process.env, BUGSERVE_PUSH_TOKEN: TOKEN, BUGSERVE_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let buf = '';
    let found = false;
    child.stdout.on('data', (c: Buffer) => {
      if (found) return; // the rest of the log is read and dropped
      buf += c.toString('utf8');
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"bugserve listening"/.exec(buf);
      if (m) {
        found = true;
        resolve({ url: m[1], child });
      }
    });
    child.once('exit', (code) => reject(new Error(`bugserve exited with ${code}`)));
  });
}

/** Spellings of an id: every length from 4, lower, upper and mixed case. */
function spellings(id: string): string[] {
  const out = new Set<string>();
  for (let n = 4; n <= id.length; n++) {
    const p = id.slice(0, n);
    out
      .add(p)
      .add(p.toUpperCase())
      .add([...p].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join(''));
  }
  return [...out];
}

/** A git-upload-pack POST whose body trickles in a byte a second; ends when the server gives up on it or at `until`. */
function slowUploadPack(base: string, repo: string, until: number): Promise<void> {
  const u = new URL(base);
  return new Promise((resolve) => {
    const sock = net.connect(Number(u.port), u.hostname);
    sock.on('error', () => undefined);
    sock.write(
      `POST /${repo}.git/git-upload-pack HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/x-git-upload-pack-request\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const body = '0032want 0000000000000000000000000000000000000000\n';
    let i = 0;
    const timer = setInterval(() => {
      if (Date.now() > until || sock.destroyed) {
        clearInterval(timer);
        sock.destroy();
        return;
      }
      sock.write(`1\r\n${body[i++ % body.length]}\r\n`);
    }, 1000);
    sock.on('close', () => {
      clearInterval(timer);
      resolve();
    });
  });
}

interface Counts {
  total: number;
  failed: number;
  reasons: Map<string, number>;
}
const counts = (): Counts => ({ total: 0, failed: 0, reasons: new Map() });
function note(c: Counts, ok: boolean, reason: string): void {
  c.total++;
  if (ok) return;
  c.failed++;
  c.reasons.set(reason, (c.reasons.get(reason) ?? 0) + 1);
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'bugserve-soak-'));
  const reposDir = path.join(tmp, 'repos');
  mkdirSync(reposDir, { recursive: true });
  console.log(`soak: ${SECONDS} s, --max-workers ${MAX_WORKERS}, data in ${tmp}`);

  // Data: honest repositories, a hostile one, many small ones.
  const honest: { name: string; ids: string[] }[] = [];
  for (let i = 0; i < HONEST_REPOS; i++) {
    const g = await generate({ path: path.join(reposDir, `h${i}.git`), bugs: 300, identities: 10, comments: 4, seed: 100 + i });
    honest.push({ name: `h${i}`, ids: g.bugs.map((b) => b.id) });
  }
  for (let i = 0; i < MANY_REPOS; i++) {
    await generate({ path: path.join(reposDir, 'many', `m${i}.git`), bugs: 20, identities: 3, comments: 2, seed: 200 + i });
  }
  await run('git', ['init', '-q', '--bare', path.join(reposDir, 'hostile.git')]);
  const hostile = writeHostileRepo(path.join(reposDir, 'hostile.git'));

  const loadBefore = loadavg()[0];
  const { url, child } = await startServer(tmp);
  const pid = child.pid!;
  const until = Date.now() + SECONDS * 1000;
  const live = () => Date.now() < until;

  // Samplers.
  let rssPeak = 0;
  let gitPeak = 0;
  let workerPeak = 0;
  const sampler = setInterval(() => {
    try {
      rssPeak = Math.max(rssPeak, rssBytes(pid));
      gitPeak = Math.max(gitPeak, descendants(pid).filter((n) => n.startsWith('git')).length);
    } catch {
      // the server exited; reported below
    }
  }, 100);
  const workerSampler = (async () => {
    while (live()) {
      const r = await new Promise<string>((resolve) => {
        http
          .get(url + '/-/metrics', { agent: false }, (res) => {
            let b = '';
            res.on('data', (c: Buffer) => (b += c.toString()));
            res.on('end', () => resolve(b));
          })
          .on('error', () => resolve(''));
      });
      const m = /^bugserve_cache_workers (\d+)/m.exec(r);
      if (m) workerPeak = Math.max(workerPeak, Number(m[1]));
      await sleep(250);
    }
  })();

  const health: number[] = [];
  const healthFailed = counts();
  const healthLoop = (async () => {
    while (live()) {
      const r = await get(url, '/-/healthz', 10_000);
      note(healthFailed, r.status === 200, String(r.status));
      health.push(r.ms);
      await sleep(50);
    }
  })();

  const honestReads = counts();
  const pushes = counts();
  const clones = counts();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)];
  const reader = async () => {
    while (live()) {
      const repo = pick(honest);
      const id = pick(repo.ids);
      const p = pick([
        '/',
        `/${repo.name}`,
        `/${repo.name}/bugs`,
        `/${repo.name}/bugs?q=status%3Aclosed`,
        `/${repo.name}/bugs/${id.slice(0, 7)}`,
        `/api/v1/repos/${repo.name}/bugs?page=2`,
        `/api/v1/repos/${repo.name}/bugs/${id}`,
      ]);
      const r = await get(url, p);
      note(honestReads, r.status === 200, `${r.status} ${p.replace(/[0-9a-f]{7,}/, '{id}')}`);
    }
  };
  const auth = url.replace('http://', `http://soak:${TOKEN}@`);
  const pusher = async () => {
    const source = path.join(reposDir, 'h0.git');
    let next = 0;
    while (live()) {
      // A few of h0's bugs into "pushed" (created by the first push) or into h2 (read meanwhile).
      const target = next % 2 === 0 ? 'pushed' : 'h2';
      const refs = honest[0].ids.slice(next * 5, next * 5 + 5).map((id) => `refs/bugs/${id}:refs/bugs/${id}`);
      next++;
      const r = await run('git', ['--git-dir', source, 'push', '-q', `${auth}/${target}.git`, ...refs]);
      note(pushes, r.ok, r.err);
      await sleep(2_000);
    }
  };
  const cloner = async () => {
    let n = 0;
    while (live()) {
      const dir = path.join(tmp, `clone-${n++}`);
      const r = await run('git', ['clone', '-q', '--bare', `${url}/${pick(honest).name}.git`, dir]);
      note(clones, r.ok, r.err);
      rmSync(dir, { recursive: true, force: true });
      await sleep(3_000);
    }
  };

  const hostileStatuses = new Map<string, number>();
  const hostileNote = (kind: string, status: number) => {
    const k = `${kind} ${status}`;
    hostileStatuses.set(k, (hostileStatuses.get(k) ?? 0) + 1);
  };
  const spellingFlood = async (offset: number) => {
    const all = spellings(hostile.bigId);
    for (let i = offset; live(); i++) {
      const s = all[i % all.length];
      const r = await get(url, i % 2 ? `/api/v1/repos/hostile/bugs/${s}` : `/hostile/bugs/${s}`);
      hostileNote('id spellings', r.status);
    }
  };
  const markdownFlood = async () => {
    while (live()) {
      const r = await get(url, Math.random() < 0.25 ? '/hostile' : `/hostile/bugs/${pick(hostile.markdownIds)}`);
      hostileNote('huge Markdown', r.status);
    }
  };
  const slowGit = async () => {
    while (live()) {
      await slowUploadPack(url, pick(honest).name, until);
      hostileNote('slow upload-pack ended', 0);
    }
  };
  const firstRequests = async () => {
    while (live()) {
      const burst = await Promise.all(
        Array.from({ length: 12 }, () => get(url, `/api/v1/repos/many/m${Math.floor(Math.random() * MANY_REPOS)}/bugs?q=`)),
      );
      for (const r of burst) hostileNote('first requests', r.status);
      await sleep(500);
    }
  };

  await Promise.all([
    healthLoop,
    workerSampler,
    ...Array.from({ length: 4 }, reader),
    pusher(),
    cloner(),
    ...(CLIENTS.has('spellings') ? [spellingFlood(0), spellingFlood(97)] : []),
    ...(CLIENTS.has('markdown') ? [markdownFlood(), markdownFlood()] : []),
    ...(CLIENTS.has('slow-git') ? Array.from({ length: SLOW_GIT_CONNECTIONS }, slowGit) : []),
    ...(CLIENTS.has('first-requests') ? [firstRequests()] : []),
  ]);
  clearInterval(sampler);
  const loadAfter = loadavg()[0];
  const survived = child.exitCode === null;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(tmp, { recursive: true, force: true });

  const sorted = [...health].sort((a, b) => a - b);
  const p = (q: number) => percentile(sorted, q).toFixed(1);
  const honestFailed = honestReads.failed + pushes.failed + clones.failed;
  const reasons = [...honestReads.reasons, ...pushes.reasons, ...clones.reasons, ...healthFailed.reasons];
  const lines = [
    `# Soak run`,
    '',
    `${new Date().toISOString().slice(0, 10)}, ${SECONDS} s, \`--max-workers ${MAX_WORKERS}\`, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} at the end (other work on the machine counts). ` +
      `Made by \`npm run soak\` (benchmarks/soak.ts): the server is \`bugserve serve\` in its own process on loopback.`,
    '',
    `Honest clients: 4 readers of pages and the API over ${HONEST_REPOS} repositories of 300 bugs, a pusher sending bug refs over HTTP with the token every 2 s (each push invalidates a cache being read), a cloner every 3 s. ` +
      `Hostile clients, without the token: two id-spelling floods on a bug with a 5 MB comment, two readers of bugs made of ten 200 KB comments of \`![\` and a README of the same, ` +
      `${SLOW_GIT_CONNECTIONS} git-upload-pack POSTs whose body trickles in a byte a second, bursts of 12 first requests to ${MANY_REPOS} other repositories every 0.5 s.`,
    '',
    '| measure | value | goal |',
    '| --- | --- | --- |',
    `| server survived | ${survived ? 'yes' : '**no**'} | yes |`,
    `| RSS peak | ${(rssPeak / 2 ** 20).toFixed(0)} MB | bounded |`,
    `| cache worker threads, peak | ${workerPeak} | <= ${MAX_WORKERS} |`,
    `| git processes, peak | ${gitPeak} | bounded |`,
    `| honest requests failed | ${honestFailed} of ${honestReads.total + pushes.total + clones.total} (reads ${honestReads.failed}/${honestReads.total}, pushes ${pushes.failed}/${pushes.total}, clones ${clones.failed}/${clones.total}) | 0 |`,
    `| /-/healthz p50 / p99 / max | ${p(50)} / ${p(99)} / ${sorted[sorted.length - 1].toFixed(1)} ms (${health.length} probes, ${healthFailed.failed} failed) | p99 <= 50 ms |`,
    '',
    'Hostile requests by outcome:',
    '',
    '| client | status | count |',
    '| --- | --- | --- |',
    ...[...hostileStatuses].sort().map(([k, n]) => {
      const at = k.lastIndexOf(' ');
      return `| ${k.slice(0, at)} | ${k.slice(at + 1) === '0' ? 'closed' : k.slice(at + 1)} | ${n} |`;
    }),
    '',
    ...(reasons.length ? ['Failures:', '', ...reasons.map(([r, n]) => `- ${n} × ${r}`), ''] : []),
  ];
  const out = path.join(ROOT, 'benchmarks', SECONDS >= 60 ? 'SOAK.md' : 'SOAK.partial.md');
  writeFileSync(out, lines.join('\n'));
  console.log(lines.join('\n'));
  console.log(`written to ${out}`);
}

await main();
