// The real bugserve server for end-to-end suites: in-process (startServer) or
// as `node dist/src/cli.js serve` in a child process, plus the small HTTP and
// metrics readers those suites share. Call ensureBuilt() first either way:
// cache workers and git hooks run the build.

import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { pino } from 'pino';
import { startServer, type RunningServer, type ServerConfig } from '../../src/app.js';
import { CLI } from './build.js';

export const LOOPBACK = '127.0.0.1';

/** In-process server on a free loopback port; logs only when BUGSERVE_TEST_LOG names a level. */
export function startInProcess(dataDir: string, over: Partial<ServerConfig> = {}): Promise<RunningServer> {
  return startServer({
    dataDir,
    host: LOOPBACK,
    port: 0,
    idleTimeoutMs: 300_000,
    maxWorkers: 4,
    cacheMode: 'warm',
    pushToken: undefined,
    logger: pino({ level: process.env.BUGSERVE_TEST_LOG ?? 'silent' }),
    ...over,
  });
}

export type LogLine = Record<string, unknown> & { msg?: string };

export interface ChildServer {
  url: string;
  port: number;
  child: ChildProcess;
  /** every JSON log line so far */
  lines: LogLine[];
  stderr(): string;
  /** resolves with the first line (already seen or future) that matches */
  waitForLine(match: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** sends the signal and resolves with the exit code (null when killed by a signal) */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL if still running; safe to call twice */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  dataDir: string;
  /** BUGSERVE_PUSH_TOKEN; absent: serve uses (or writes) DATA/push-token */
  pushToken?: string;
  /** default 127.0.0.1:0 (the log line tells the port) */
  listen?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
}

/** `bugserve serve` as a child process; resolves once it logs "bugserve listening". */
export async function spawnServer(opts: SpawnOptions): Promise<ChildServer> {
  // The caller's BUGSERVE_* settings would change what is under test: only opts count.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BUGSERVE_')) env[k] = v;
  Object.assign(env, { BUGSERVE_LOG_LEVEL: 'info' }, opts.env);
  if (opts.pushToken !== undefined) env.BUGSERVE_PUSH_TOKEN = opts.pushToken;
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--data', opts.dataDir, '--listen', opts.listen ?? `${LOOPBACK}:0`, ...(opts.args ?? [])],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: LogLine[] = [];
  const waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  let stderr = '';
  let buf = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  child.stdout.on('data', (c: Buffer) => {
    buf += c.toString('utf8');
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
      const text = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { msg: text, unparsed: true };
      }
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitForLine = (match: (l: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> => {
    const seen = lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching log line in ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
      waiters.push({
        match,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`bugserve serve exited (${code}) before the log line; stderr: ${stderr}`));
      });
    });
  };

  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  let listening: LogLine;
  try {
    listening = await waitForLine((l) => l.msg === 'bugserve listening', opts.startTimeoutMs ?? 30_000);
  } catch (err) {
    await kill();
    throw err;
  }
  const url = String(listening.url);
  return {
    url,
    port: Number(new URL(url).port),
    child,
    lines,
    stderr: () => stderr,
    waitForLine,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    kill,
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on its own connection (no keep-alive to hold a shutdown up); the path is sent as given. */
export function request(
  base: string,
  rawPath: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<Reply> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: rawPath,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: false,
        timeout: opts.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`no answer to ${opts.method ?? 'GET'} ${rawPath} within ${opts.timeoutMs} ms`)));
    req.end(opts.body);
  });
}

/** GET and parse JSON; throws with the body when the status is not the one expected. */
export async function getJson<T = any>(base: string, rawPath: string, expectStatus = 200): Promise<T> {
  const r = await request(base, rawPath);
  if (r.status !== expectStatus) throw new Error(`GET ${rawPath}: expected ${expectStatus}, got ${r.status}: ${r.body.slice(0, 500)}`);
  return JSON.parse(r.body) as T;
}

/**
 * Parses Prometheus text exposition into samples. Label values are unescaped
 * the way prom-client escapes them (\\, \", \n).
 */
export function parseMetrics(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    for (let l = re.exec(m[2] ?? ''); l; l = re.exec(m[2] ?? '')) {
      labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of a metric's samples over GET /-/metrics (0 when absent), filtered by labels. */
export async function metric(base: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const r = await request(base, '/-/metrics');
  if (r.status !== 200) throw new Error(`GET /-/metrics: ${r.status}`);
  return parseMetrics(r.body)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}
