// bugserve serve wired to git smart HTTP and the push hook: clone and fetch
// bugs over HTTP, push a new bug with the token, and see the hook throw the
// warm cache away so the next page shows the new bug.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installHook } from '../../src/hooks/install.js';
import type { RunningServer } from '../../src/app.js';
import { ensureBuilt } from '../helpers/build.js';
import { git, ops, smallRepo, tempDir, writeBug } from '../helpers/git-bug-writer.js';
import { getJson, metricValue, request, start } from './web-fixture.js';

const execFileAsync = promisify(execFile);
// The push hook runs the built CLI.
ensureBuilt();

const tmp = tempDir('bugserve-web-git-');
const dataDir = `${tmp.path}/data`;
let server: RunningServer;
let author: string;

beforeAll(async () => {
  const repo = smallRepo(`${dataDir}/repos/app.git`, 5);
  author = repo.author;
  await installHook(`${dataDir}/repos/app.git`, { dataDir });
  server = await start(dataDir, { pushToken: 'sekret' });
});
afterAll(async () => {
  await server?.close();
  tmp.remove();
});

// Async: the server answers from this same process, so a sync child would deadlock it.
const run = (args: string[]) => execFileAsync('git', args, { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
const withAuth = (url: string, user: string, pass: string) => url.replace('http://', `http://${user}:${pass}@`);

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe('git over HTTP through bugserve serve', () => {
  it('clones and fetches bugs anonymously', async () => {
    const local = `${tmp.path}/clone.git`;
    await run(['clone', '--quiet', '--bare', `${server.url}/app.git`, local]);
    await run([
      '--git-dir',
      local,
      'fetch',
      '--quiet',
      `${server.url}/app.git`,
      'refs/bugs/*:refs/bugs/*',
      'refs/identities/*:refs/identities/*',
    ]);
    expect(git(local, ['for-each-ref', '--format=%(refname)', 'refs/bugs/']).split('\n')).toHaveLength(5);
  });

  it('refuses a push without the token and changes nothing', async () => {
    const local = `${tmp.path}/clone.git`;
    const { id } = writeBug(local, author, [[ops.create('sneaky bug')]]);
    await expect(
      run(['--git-dir', local, 'push', '--quiet', `${server.url}/app.git`, `refs/bugs/${id}:refs/bugs/${id}`]),
    ).rejects.toThrow();
    await expect(
      run(['--git-dir', local, 'push', '--quiet', withAuth(`${server.url}/app.git`, 'x', 'wrong'), `refs/bugs/${id}:refs/bugs/${id}`]),
    ).rejects.toThrow();
    const { json } = await getJson(server.url, '/api/v1/repos/app/bugs?q=');
    expect(json.total).toBe(5);
    git(local, ['update-ref', '-d', `refs/bugs/${id}`]);
  });

  it('a push with the token reaches the hook, which invalidates the warm cache', async () => {
    const before = await getJson(server.url, '/api/v1/repos/app/bugs?q=');
    expect(before.json.total).toBe(5);
    expect(server.cache.warmRepositories()).toEqual(['app']);

    const local = `${tmp.path}/clone.git`;
    const { id } = writeBug(local, author, [[ops.create('pushed over http')]]);
    await run([
      '--git-dir',
      local,
      'push',
      '--quiet',
      withAuth(`${server.url}/app.git`, 'me', 'sekret'),
      `refs/bugs/${id}:refs/bugs/${id}`,
    ]);

    expect(await until(async () => (await metricValue(server, 'bugserve_cache_invalidations_total', { reason: 'hook' })) >= 1)).toBe(true);
    const page = await request(server.url, '/app/bugs');
    expect(page.body).toContain('pushed over http');
    expect(page.body).toMatch(/6 Open<\/a>/);
  });

  it('a push to a new name creates the repository, which the index then lists', async () => {
    const src = `${tmp.path}/new.git`;
    smallRepo(src, 2);
    await run([
      '--git-dir',
      src,
      'push',
      '--quiet',
      withAuth(`${server.url}/team/fresh.git`, 'me', 'sekret'),
      'refs/bugs/*:refs/bugs/*',
      'refs/identities/*:refs/identities/*',
    ]);
    const index = await request(server.url, '/');
    expect(index.body).toContain('href="/team/fresh"');
    const { json } = await getJson(server.url, '/api/v1/repos/team/fresh/bugs?q=');
    expect(json.total).toBe(2);
  });
});
