// `bugserve serve` starting on awkward data folders and push token settings:
// an unusable data folder is a one-line error and exit status 2 (never a
// hang), a blank DATA/push-token is replaced (never a busy loop), and an
// empty BUGSERVE_PUSH_TOKEN turns pushing off.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataDirAt } from '../../src/data/dir.js';
import { CLI, ensureBuilt } from '../helpers/build.js';
import { tempDir } from '../helpers/git-bug-writer.js';
import { request, spawnServer } from '../helpers/server.js';

ensureBuilt();

const tmp = tempDir('bugserve-startup-');
afterAll(() => tmp.remove());

const basic = (token: string) => ({ Authorization: 'Basic ' + Buffer.from(`x:${token}`).toString('base64') });

/** Runs `bugserve serve --data <dir>`; a run still going after `ms` is killed and reported as a hang. */
function serveExit(dataDir: string, ms = 15_000): Promise<{ code: number | null; stderr: string; hung: boolean }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BUGSERVE_')) env[k] = v;
  const child = spawn(process.execPath, [CLI, 'serve', '--data', dataDir, '--listen', '127.0.0.1:0'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  child.stdout.resume();
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, ms);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, hung });
    }),
  );
}

describe('bugserve serve with an unusable data folder', () => {
  const file = path.join(tmp.path, 'a-file');
  writeFileSync(file, 'not a folder\n');

  it.each([
    ['a path under /proc, which cannot be created', '/proc/bugserve-nope'],
    ['a file', file],
    ['a path below a file', path.join(file, 'data')],
  ])('exits 2 with one line naming it: %s', async (_what, dir) => {
    const r = await serveExit(dir);
    expect(r.hung).toBe(false);
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toContain(dir);
    expect(lines[0]).toMatch(/^bugserve serve: data folder .* is not usable: /);
  });
});

describe('bugserve serve and the push token', () => {
  it('replaces a blank DATA/push-token and starts', async () => {
    const dataDir = path.join(tmp.path, 'blank');
    mkdirSync(dataDir);
    const file = dataDirAt(dataDir).pushToken;
    writeFileSync(file, '  \n\n', { mode: 0o600 });
    const server = await spawnServer({ dataDir, startTimeoutMs: 15_000 });
    try {
      const token = readFileSync(file, 'utf8').trim();
      expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      const probe = await request(server.url, '/new.git/info/refs?service=git-receive-pack', { headers: basic(token) });
      expect(probe.status).toBe(200);
      expect((await request(server.url, '/-/healthz')).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('turns pushing off when BUGSERVE_PUSH_TOKEN is set but empty', async () => {
    const dataDir = path.join(tmp.path, 'no-push');
    const server = await spawnServer({ dataDir, pushToken: '' });
    try {
      expect(server.lines.some((l) => l.msg === 'BUGSERVE_PUSH_TOKEN is empty: pushing is disabled')).toBe(true);
      expect(existsSync(dataDirAt(dataDir).pushToken)).toBe(false);
      for (const token of ['', 'anything']) {
        const r = await request(server.url, '/new.git/info/refs?service=git-receive-pack', { headers: basic(token) });
        expect(r.status).toBe(403);
        expect(r.body).toMatch(/pushing is disabled/);
      }
      expect(existsSync(path.join(dataDirAt(dataDir).repos, 'new.git'))).toBe(false);
    } finally {
      await server.stop();
    }
  });
});
