// A bugserve server in a child process (so the load generator and the server
// do not share an event loop), and a keep-alive HTTP client for latencies.

import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ChildServer {
  url: string;
  child: ChildProcess;
  close(): Promise<void>;
}

export interface ChildServerOptions {
  reposDir: string;
  cacheMode: 'warm' | 'per-request';
  maxWorkers?: number;
  idleTimeoutMs?: number;
  /** false for the shared datasets, whose loose refs must stay loose */
  packRefs?: boolean;
}

export function startChildServer(opts: ChildServerOptions): Promise<ChildServer> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'server-child.js');
  const child = fork(script, [JSON.stringify(opts)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`benchmark server exited with ${code}`)));
    child.once('message', (m: { url: string }) => {
      resolve({
        url: m.url,
        child,
        close: () =>
          new Promise<void>((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.send('close');
            setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
          }),
      });
    });
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/**
 * Waits until the server at `url` has written `count` first-build indexes
 * (bugserve_cache_index_writes_total): a first build answers from memory and
 * writes its index after, which would otherwise run during the timed requests.
 */
export async function serverIndexWritten(url: string, count = 1, timeoutMs = 180_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const text = await (await fetch(`${url}/-/metrics`)).text();
    const written = Number(/^bugserve_cache_index_writes_total (\d+)/m.exec(text)?.[1] ?? 0);
    if (written >= count) return;
    if (performance.now() > until) throw new Error(`the server wrote ${written} of ${count} indexes in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * GET url; resolves with [status, milliseconds until the whole body arrived].
 * A kept-alive socket the server closed just as it was reused (its idle
 * timeout, after a long gap between requests) fails with ECONNRESET: that
 * request is sent again on a new socket, as Node's documentation advises.
 */
export function timedGet(url: string): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.get(url, { agent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve([res.statusCode ?? 0, performance.now() - started]));
      res.on('error', reject);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (req.reusedSocket && err.code === 'ECONNRESET') timedGet(url).then(resolve, reject);
      else reject(err);
    });
  });
}
