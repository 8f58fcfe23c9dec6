// Graceful shutdown, in-process and through `bugserve serve` with real signals.

import { spawn } from 'node:child_process';
import http from 'node:http';
import { CLI, ensureBuilt } from '../helpers/build.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/gen/generate.js';
import { tempDir } from '../helpers/git-bug-writer.js';
import { request, start } from './web-fixture.js';

const tmp = tempDir('bugserve-shutdown-');
const dataDir = tmp.path;

beforeAll(async () => {
  // Big enough that building its cache takes a moment: the request in flight.
  await generate({ path: `${dataDir}/repos/big.git`, bugs: 300, identities: 20, comments: 4, seed: 7 });
}, 120_000);
afterAll(() => tmp.remove());

describe('startServer().close()', () => {
  it('lets requests in flight finish, drops idle keep-alive connections, then refuses', async () => {
    const server = await start(dataDir);
    const agent = new http.Agent({ keepAlive: true });
    // An idle keep-alive connection must not hold shutdown up.
    await new Promise<void>((resolve, reject) =>
      http.get(`${server.url}/-/healthz`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject),
    );

    const order: string[] = [];
    const inFlight = request(server.url, '/big/bugs?q=').then((r) => (order.push('reply'), r));
    await new Promise((r) => setTimeout(r, 30));
    const t0 = Date.now();
    await server.close();
    order.push('closed');
    const reply = await inFlight;
    expect(order).toEqual(['reply', 'closed']);
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('Page 1 of');
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(server.cache.workerThreads()).toBe(0);
    await expect(request(server.url, '/-/healthz')).rejects.toThrow(/ECONNREFUSED/);
    agent.destroy();
  });
});

describe('bugserve serve', () => {
  beforeAll(() => void ensureBuilt());
  const cli = CLI;
  it('starts from flags, answers, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [cli, 'serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--idle-timeout', '30s'], {
      env: { ...process.env, BUGSERVE_PUSH_TOKEN: 'x' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Record<string, unknown>[] = [];
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (c: Buffer) => {
        buf += c.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) !== -1) {
          const line = JSON.parse(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          lines.push(line);
          if (line.msg === 'bugserve listening') resolve(line.url);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    const list = await request(url, '/big/bugs');
    expect(list.status).toBe(200);
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    // One structured line per request, by route pattern.
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request', method: 'GET', route: '/{repo}/bugs', status: 200 }));
    expect(lines.at(-1)).toMatchObject({ msg: 'stopped' });
  });

  it('exits 1 promptly when the port is taken', async () => {
    const other = await start(dataDir);
    try {
      const port = new URL(other.url).port;
      const child = spawn(process.execPath, [cli, 'serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += c));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(stderr).toContain('EADDRINUSE');
    } finally {
      await other.close();
    }
  });

  it('exits 2 with a message on a bad option', async () => {
    const child = spawn(process.execPath, [cli, 'serve', '--data', dataDir, '--idle-timeout', 'soon'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('not a duration');
  });
});
