// Anonymous clients cannot make the server fork without bound: slow clients
// trickling git request bodies hold at most `max` git requests' processes,
// the next ones wait in a short queue and then get a clear 503, a body that
// stops arriving is cut off with its git stopped, and /-/healthz answers
// throughout. Real server, real git, raw sockets as the slow clients.

import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app.js';
import { ensureBuilt } from '../helpers/build.js';
import { smallRepo, tempDir } from '../helpers/git-bug-writer.js';
import { gitDescendants, waitForGit } from '../helpers/processes.js';
import { request, startInProcess } from '../helpers/server.js';

ensureBuilt();

const MAX = 2;
const QUEUE = 2;
const WAIT_MS = 1_500;
const BODY_IDLE_MS = 1_500;

const tmp = tempDir('bugserve-git-limits-');
let server: RunningServer;

beforeAll(async () => {
  smallRepo(`${tmp.path}/repos/demo.git`, 2);
  server = await startInProcess(tmp.path, {
    gitLimit: { max: MAX, queue: QUEUE, waitMs: WAIT_MS },
    gitBodyIdleTimeoutMs: BODY_IDLE_MS,
  });
});
afterAll(async () => {
  await server?.close();
  tmp.remove();
});

interface SlowClient {
  /** everything the server sent so far */
  reply(): string;
  /** resolves when the server closed the connection */
  closed: Promise<void>;
  /** stop sending (the body stalls); the socket stays open */
  stall(): void;
  destroy(): void;
}

/** A POST of an upload-pack request whose chunked body arrives one byte every `everyMs`, for ever. */
function slowClient(everyMs = 200): SlowClient {
  const { port } = new URL(server.url);
  const sock = net.connect(Number(port), '127.0.0.1');
  let got = '';
  sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
  sock.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
  sock.write(
    'POST /demo.git/git-upload-pack HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
      'Content-Type: application/x-git-upload-pack-request\r\nTransfer-Encoding: chunked\r\n\r\n',
  );
  // The start of a pkt-line "want" that never completes.
  const text = '0032want ';
  let i = 0;
  const timer = setInterval(() => {
    if (sock.destroyed) return clearInterval(timer);
    sock.write(`1\r\n${text[i % text.length]}\r\n`);
    i++;
  }, everyMs);
  return {
    reply: () => got,
    closed,
    stall: () => clearInterval(timer),
    destroy: () => {
      clearInterval(timer);
      sock.destroy();
    },
  };
}

const statusOf = (reply: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0);

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  return cond();
}

describe('git over HTTP under slow clients', () => {
  it('keeps git processes bounded, queues then refuses with 503, and /-/healthz answers', async () => {
    const clients: SlowClient[] = [];
    try {
      for (let i = 0; i < MAX; i++) clients.push(slowClient());
      // The first MAX hold their slots: each has its http-backend running.
      await waitForGit((p) => p.filter((a) => a.includes('http-backend')).length >= MAX);
      // QUEUE more wait for a slot; the ones beyond the queue are refused at once.
      for (let i = 0; i < QUEUE + 4; i++) clients.push(slowClient());

      let peak: string[] = [];
      const deadline = Date.now() + WAIT_MS + 500;
      while (Date.now() < deadline) {
        const now = await gitDescendants();
        if (now.length > peak.length) peak = now;
        const health = await request(server.url, '/-/healthz', { timeoutMs: 5_000 });
        expect(health.status).toBe(200);
      }
      // Each running request is `git http-backend`, the git-http-backend it
      // runs and the upload-pack that one starts: three processes, MAX times.
      expect(peak.length).toBeGreaterThan(0);
      expect(peak.length, peak.join('\n')).toBeLessThanOrEqual(3 * MAX);
      expect(server.gitLimit.peak).toBe(MAX);

      // Everyone beyond the MAX running ones has been told the server is busy
      // (the queued ones once their wait ran out).
      const waiting = clients.slice(MAX);
      expect(await until(() => waiting.every((c) => statusOf(c.reply()) !== 0), 5_000)).toBe(true);
      for (const c of waiting) {
        expect(statusOf(c.reply())).toBe(503);
        expect(c.reply()).toMatch(/\r\nRetry-After: 1\r\n/i);
        expect(c.reply()).toMatch(/busy/);
      }
      // The slot holders are still being served.
      for (const c of clients.slice(0, MAX)) expect(statusOf(c.reply())).toBe(0);
    } finally {
      for (const c of clients) c.destroy();
    }
    expect(await waitForGit((p) => p.length === 0)).toEqual([]);
  });

  it('cuts off a request body that stops arriving and stops its git', async () => {
    const client = slowClient();
    try {
      await waitForGit((p) => p.some((a) => a.includes('http-backend')));
      client.stall();
      // Nothing arrives any more: after the idle timeout the server answers 408 and hangs up.
      await Promise.race([client.closed, new Promise((r) => setTimeout(r, BODY_IDLE_MS + 5_000))]);
      expect(statusOf(client.reply())).toBe(408);
      expect(client.reply()).toMatch(/no request body arrived/);
      expect(await waitForGit((p) => p.length === 0)).toEqual([]);
      // The slot came back: an honest request is served.
      const refs = await request(server.url, '/demo.git/info/refs?service=git-upload-pack');
      expect(refs.status).toBe(200);
      expect(await until(() => server.gitLimit.active === 0, 5_000)).toBe(true);
    } finally {
      client.destroy();
    }
  });
});
