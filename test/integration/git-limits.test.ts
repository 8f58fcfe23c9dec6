// Anonymous clients cannot make the server fork without bound: a fetch
// request's body is read whole before git starts, so clients trickling their
// bodies hold sockets, never git processes or slots of the process limit;
// honest clones go on meanwhile; a body that stops arriving is cut off with
// a 408; /-/healthz answers throughout. Real server, real git, raw sockets
// as the slow clients. (The limit's queue and 503 are tested in
// test/unit/process-limit.test.ts.)

import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app.js';
import { ensureBuilt } from '../helpers/build.js';
import { smallRepo, tempDir } from '../helpers/git-bug-writer.js';
import { gitSandbox } from '../helpers/git-client.js';
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
  const { git } = gitSandbox(() => tmp.path);

  it('starts no git for trickling fetch bodies, keeps serving clones, and /-/healthz answers', async () => {
    const clients: SlowClient[] = [];
    try {
      // Far more slow clients than the limit's slots and queue together.
      for (let i = 0; i < 3 * (MAX + QUEUE); i++) clients.push(slowClient());
      const deadline = Date.now() + WAIT_MS + 500;
      let peak: string[] = [];
      while (Date.now() < deadline) {
        const now = await gitDescendants();
        if (now.length > peak.length) peak = now;
        const health = await request(server.url, '/-/healthz', { timeoutMs: 5_000 });
        expect(health.status).toBe(200);
      }
      expect(peak, peak.join('\n')).toEqual([]);
      expect(server.gitLimit.active).toBe(0);
      // An honest clone is served while they trickle on.
      const clone = await git(['clone', '--quiet', `${server.url}/demo.git`, `${tmp.path}/clone-${Date.now()}`]);
      expect(clone.code, clone.stderr).toBe(0);
      expect(server.gitLimit.peak).toBeGreaterThan(0);
      expect(server.gitLimit.peak).toBeLessThanOrEqual(MAX);
      // Nobody was refused or answered: they are still sending.
      for (const c of clients) expect(statusOf(c.reply())).toBe(0);
    } finally {
      for (const c of clients) c.destroy();
    }
    expect(await waitForGit((p) => p.length === 0)).toEqual([]);
  });

  it('cuts off a request body that stops arriving', async () => {
    const client = slowClient();
    try {
      await new Promise((r) => setTimeout(r, 300));
      client.stall();
      // Nothing arrives any more: after the idle timeout the server answers 408 and hangs up.
      await Promise.race([client.closed, new Promise((r) => setTimeout(r, BODY_IDLE_MS + 5_000))]);
      expect(statusOf(client.reply())).toBe(408);
      expect(client.reply()).toMatch(/no request body arrived/);
      expect(await waitForGit((p) => p.length === 0)).toEqual([]);
      const refs = await request(server.url, '/demo.git/info/refs?service=git-upload-pack');
      expect(refs.status).toBe(200);
      expect(await until(() => server.gitLimit.active === 0, 5_000)).toBe(true);
    } finally {
      client.destroy();
    }
  });

  it('refuses a fetch body over its bound with 413 and starts no git', async () => {
    const body = '0'.repeat(9 * 1024 * 1024);
    const r = await request(server.url, '/demo.git/git-upload-pack', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-git-upload-pack-request' },
      body,
    });
    expect(r.status).toBe(413);
    expect(r.body).toMatch(/too large/);
    expect(await waitForGit((p) => p.length === 0)).toEqual([]);
    expect(server.gitLimit.active).toBe(0);
  });
});
