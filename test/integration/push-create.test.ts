// A repository comes into being with the first ref a push writes, not
// before: probes (the receive-pack ref advertisement, ls-remote) and pushes
// that write nothing leave no trace, concurrent first pushes share one
// repository, and names the router would shadow are refused. Real server,
// real git client over HTTP.

import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app.js';
import { findRepos } from '../../src/git/repo-path.js';
import { HOOK_MARKER } from '../../src/hooks/install.js';
import { ensureBuilt } from '../helpers/build.js';
import { gitSandbox } from '../helpers/git-client.js';
import { tempDir } from '../helpers/git-bug-writer.js';
import { request, startInProcess } from '../helpers/server.js';

ensureBuilt();

const TOKEN = 'tok-create-7d1e';
const AUTH = { Authorization: 'Basic ' + Buffer.from(`x:${TOKEN}`).toString('base64') };
const tmp = tempDir('bugserve-push-create-');
const dataDir = path.join(tmp.path, 'data');
const reposDir = path.join(dataDir, 'repos');
const work = path.join(tmp.path, 'work');
const { git, gitOk } = gitSandbox(() => tmp.path);
let server: RunningServer;

const url = (name: string, token?: string) => server.url.replace('http://', token ? `http://x:${token}@` : 'http://') + `/${name}.git`;
const names = async () => (await findRepos(reposDir)).map((r) => r.name);

beforeAll(async () => {
  await gitOk(['init', '--quiet', work]);
  await writeFile(path.join(work, 'README.md'), '# work\n');
  await gitOk(['add', '.'], work);
  await gitOk(['commit', '--quiet', '-m', 'first'], work);
  for (const b of ['one', 'two', 'three']) await gitOk(['branch', b], work);
  server = await startInProcess(dataDir, { pushToken: TOKEN });
});
afterAll(async () => {
  await server?.close();
  tmp.remove();
});

describe('creating a repository by pushing', () => {
  it('answers a push probe for a new name without creating it', async () => {
    const probe = await request(server.url, '/probe.git/info/refs?service=git-receive-pack', { headers: AUTH });
    expect(probe.status).toBe(200);
    expect(probe.headers['content-type']).toBe('application/x-git-receive-pack-advertisement');
    expect(probe.body).toContain('report-status');
    expect(existsSync(path.join(reposDir, 'probe.git'))).toBe(false);

    // ls-remote with the push service, as `git push --dry-run` does it.
    const dry = await git(['push', '--dry-run', url('probe', TOKEN), 'main'], work);
    expect(dry.code, dry.stderr).toBe(0);
    expect(await names()).toEqual([]);
    // Reading a name that does not exist is still a 404.
    expect((await request(server.url, '/probe.git/info/refs?service=git-upload-pack')).status).toBe(404);
  });

  it('leaves nothing behind when the first push writes no ref', async () => {
    // A receive-pack request with no commands (an aborted push): only a flush packet.
    const r = await request(server.url, '/aborted.git/git-receive-pack', {
      method: 'POST',
      headers: { ...AUTH, 'Content-Type': 'application/x-git-receive-pack-request' },
      body: '0000',
    });
    expect(r.status).toBe(200);
    // Settled before the answer: the push is over when the client hears so.
    expect(existsSync(path.join(reposDir, 'aborted.git'))).toBe(false);
    // A group folder made for it goes too.
    await request(server.url, '/group/aborted.git/git-receive-pack', {
      method: 'POST',
      headers: { ...AUTH, 'Content-Type': 'application/x-git-receive-pack-request' },
      body: '0000',
    });
    expect(existsSync(path.join(reposDir, 'group'))).toBe(false);
    expect(await names()).toEqual([]);
  });

  it('creates it on the first push, with the hook and a HEAD clones can check out', async () => {
    const r = await git(['push', url('team/fresh', TOKEN), 'one'], work);
    expect(r.code, r.stderr).toBe(0);
    const dir = path.join(reposDir, 'team', 'fresh.git');
    expect(await gitOk(['--git-dir', dir, 'rev-parse', 'one'])).toBe(await gitOk(['rev-parse', 'HEAD'], work));
    expect(await gitOk(['--git-dir', dir, 'symbolic-ref', 'HEAD'])).toBe('refs/heads/one');
    expect(await readFile(path.join(dir, 'hooks', 'post-receive'), 'utf8')).toContain(HOOK_MARKER);
    expect(await names()).toEqual(['team/fresh']);
  });

  it('lets concurrent first pushes to one name all land in the same repository', async () => {
    const pushes = await Promise.all(['one', 'two', 'three'].map((b) => git(['push', url('together', TOKEN), b], work)));
    for (const p of pushes) expect(p.code, p.stderr).toBe(0);
    const dir = path.join(reposDir, 'together.git');
    const branches = (await gitOk(['--git-dir', dir, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/'])).split('\n').sort();
    expect(branches).toEqual(['one', 'three', 'two']);
    expect(await gitOk(['--git-dir', dir, 'fsck', '--no-progress'])).toBe('');
    expect(await names()).toEqual(['team/fresh', 'together']);
  });

  it.each([
    ['api/v1', /is the JSON API/],
    ['api/v1/repos', /is the JSON API/],
    ['app/bugs', /"bugs" segment/],
    ['app/bugs/x', /"bugs" segment/],
  ])('refuses the name %s, which a route would shadow, and creates nothing', async (name, why) => {
    const r = await git(['push', url(name, TOKEN), 'one'], work);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(why);
    const raw = await request(server.url, `/${name}.git/git-receive-pack`, {
      method: 'POST',
      headers: { ...AUTH, 'Content-Type': 'application/x-git-receive-pack-request' },
      body: '0000',
    });
    expect(raw.status).toBe(400);
    expect(raw.body).toContain('cannot be a repository name');
    expect(await names()).toEqual(['team/fresh', 'together']);
  });

  it('refuses names under /-/ as invalid', async () => {
    const r = await request(server.url, '/-/x.git/git-receive-pack', {
      method: 'POST',
      headers: { ...AUTH, 'Content-Type': 'application/x-git-receive-pack-request' },
      body: '0000',
    });
    expect(r.status).toBe(400);
    expect(existsSync(path.join(reposDir, '-'))).toBe(false);
    expect((await request(server.url, '/-/healthz')).status).toBe(200);
  });
});
