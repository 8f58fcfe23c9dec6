// The push-to-invalidate path, end to end with real git: `bugserve hooks
// install` (the built CLI) writes the hook, pushes over smart HTTP and to the
// bare repository's file path run it, and startHookListener hears which
// repository's git-bug refs changed.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureBuilt } from '../helpers/build.js';
import { gitSandbox } from '../helpers/git-client.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HOOK_MARKER, LOCAL_HOOK } from '../../src/hooks/install.js';
import { dataDirAt } from '../../src/data/dir.js';
import { startHookListener } from '../../src/hooks/listener.js';
import { handleGitHttp, sendGitError } from '../../src/web/git-http.js';
import { ProcessLimit } from '../../src/git/process-limit.js';
import { CORPUS_BUNDLE, PROJECT_ROOT } from '../helpers/corpus.js';

const CLI = path.join(PROJECT_ROOT, 'dist', 'src', 'cli.js');
const TOKEN = 'hook-token-1';
const ZERO = '0'.repeat(40);

let root: string;
let dataDir: string;
let reposDir: string;
const gitLimit = new ProcessLimit();
let work: string;
let server: http.Server;
let base: string;

const { run, git, gitOk } = gitSandbox(() => root);

const bugserve = (args: string[]) => run(process.execPath, [CLI, ...args]);

function url(name: string): string {
  return `http://x:${TOKEN}@${base.slice('http://'.length)}/${name}.git`;
}

/** Records every notification; `calls` is checked right after a push, whose hook has finished by then. */
function recorder() {
  const calls: { repo: string; refs: string[] }[] = [];
  return { calls, on: (repo: string, refs: string[]) => calls.push({ repo, refs: [...refs].sort() }) };
}

let listener: { close(): Promise<void> } | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

beforeAll(async () => {
  ensureBuilt();
  // Short: a Unix socket path must fit in ~100 bytes.
  root = await mkdtemp(path.join(os.tmpdir(), 'bs-hooks-'));
  dataDir = path.join(root, 'data');
  reposDir = path.join(dataDir, 'repos');
  await mkdir(reposDir, { recursive: true });
  for (const name of ['proj', 'team/app', 'plain']) await gitOk(['init', '--quiet', '--bare', path.join(reposDir, `${name}.git`)]);

  // A hook that was there before bugserve: it saves its stdin and says hello.
  const own = path.join(reposDir, 'proj.git', 'hooks', 'post-receive');
  await writeFile(own, `#!/bin/sh\ncat >> '${root}/proj-hook-stdin'\necho "own hook ran"\nexit 3\n`);
  await chmod(own, 0o755);

  work = path.join(root, 'work');
  await gitOk(['init', '--quiet', work]);
  await writeFile(path.join(work, 'f.txt'), 'x\n');
  await gitOk(['add', '.'], work);
  await gitOk(['commit', '--quiet', '-m', 'one'], work);
  await gitOk(['fetch', '--quiet', CORPUS_BUNDLE, 'refs/bugs/*:refs/bugs/*', 'refs/identities/*:refs/identities/*'], work);

  server = http.createServer((req, res) => {
    const m = /^\/(.+)\.git(\/[^?]*)/.exec(req.url ?? '');
    if (!m) return void res.writeHead(404).end();
    void handleGitHttp(req, res, { data: dataDirAt(dataDir), gitLimit, repoName: m[1], path: m[2], pushToken: TOKEN }).catch(
      (err: unknown) => sendGitError(res, err),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  if (server) {
    const s = server;
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  if (root) await rm(root, { recursive: true, force: true });
});

describe('bugserve hooks install', () => {
  it('installs into every repository, groups included, keeping an existing hook', async () => {
    const r = await bugserve(['hooks', 'install', '--data', dataDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('proj: installed (the existing post-receive hook was kept');
    expect(r.stdout).toContain('team/app: installed');
    expect(r.stdout).toContain('plain: installed');
    for (const name of ['proj', 'team/app', 'plain']) {
      const hook = path.join(reposDir, `${name}.git`, 'hooks', 'post-receive');
      expect(await readFile(hook, 'utf8')).toContain(HOOK_MARKER);
      expect((await stat(hook)).mode & 0o111).not.toBe(0);
    }
    expect(await readFile(path.join(reposDir, 'proj.git', 'hooks', LOCAL_HOOK), 'utf8')).toContain('own hook ran');
  });

  it('is idempotent', async () => {
    const hooksDir = path.join(reposDir, 'proj.git', 'hooks');
    const before = await readFile(path.join(hooksDir, 'post-receive'), 'utf8');
    const filesBefore = (await readdir(hooksDir)).sort();
    const r = await bugserve(['hooks', 'install', '--data', dataDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('proj: already installed');
    expect(r.stdout).toContain('team/app: already installed');
    expect(await readFile(path.join(hooksDir, 'post-receive'), 'utf8')).toBe(before);
    expect((await readdir(hooksDir)).sort()).toEqual(filesBefore);
  });
});

describe('post-receive notifies the server', () => {
  let bugRefs: string[];
  let identityRefs: string[];
  const oid = (ref: string) => gitOk(['rev-parse', ref], work);

  beforeAll(async () => {
    bugRefs = (await gitOk(['for-each-ref', '--format=%(refname)', 'refs/bugs/'], work)).split('\n');
    identityRefs = (await gitOk(['for-each-ref', '--format=%(refname)', 'refs/identities/'], work)).split('\n');
  });

  it('tells the listener which repository and refs a push over HTTP changed; the old hook still runs', async () => {
    const rec = recorder();
    listener = await startHookListener(dataDir, rec.on);
    const refs = [bugRefs[0], bugRefs[1], identityRefs[0]];
    const r = await git(['push', url('proj'), ...refs.map((x) => `${x}:${x}`)], work);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('remote: own hook ran');
    expect(rec.calls).toEqual([{ repo: 'proj', refs: [...refs].sort() }]);

    // The kept hook got exactly git's input.
    const lines = await Promise.all(refs.map(async (x) => `${ZERO} ${await oid(x)} ${x}\n`));
    const got = await readFile(path.join(root, 'proj-hook-stdin'), 'utf8');
    expect(got.split('\n').filter(Boolean).sort()).toEqual(lines.map((l) => l.trimEnd()).sort());
    expect(got.endsWith('\n')).toBe(true);
  });

  it('names repositories in groups', async () => {
    const rec = recorder();
    listener = await startHookListener(dataDir, rec.on);
    const r = await git(['push', url('team/app'), `${identityRefs[1]}:${identityRefs[1]}`], work);
    expect(r.code, r.stderr).toBe(0);
    expect(rec.calls).toEqual([{ repo: 'team/app', refs: [identityRefs[1]] }]);
  });

  it('says nothing for a push of branches only', async () => {
    const rec = recorder();
    listener = await startHookListener(dataDir, rec.on);
    const r = await git(['push', url('proj'), 'main'], work);
    expect(r.code, r.stderr).toBe(0);
    expect(rec.calls).toEqual([]);
    // The kept hook still saw the branch.
    expect(await readFile(path.join(root, 'proj-hook-stdin'), 'utf8')).toContain(' refs/heads/main\n');
  });

  it('notifies for a push to the file path, without HTTP', async () => {
    const rec = recorder();
    listener = await startHookListener(dataDir, rec.on);
    const all = [...bugRefs, ...identityRefs];
    const r = await git(
      ['push', '--quiet', path.join(reposDir, 'plain.git'), 'refs/bugs/*:refs/bugs/*', 'refs/identities/*:refs/identities/*'],
      work,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(rec.calls).toEqual([{ repo: 'plain', refs: [...all].sort() }]);
    expect(all.length).toBeGreaterThan(700);
  });

  it('does not hold up a push when no server runs', async () => {
    expect(existsSync(dataDirAt(dataDir).socket)).toBe(false);
    const r = await git(['push', url('proj'), `${bugRefs[2]}:${bugRefs[2]}`], work);
    expect(r.code, r.stderr).toBe(0);
    expect(r.ms).toBeLessThan(3000);
    expect(r.stderr).not.toMatch(/bugserve:/);
  });

  it('gives up on a server that never answers, and the push still succeeds', async () => {
    // Something accepts on the socket but never replies.
    const mute = net.createServer(() => undefined);
    await new Promise<void>((resolve) => mute.listen(dataDirAt(dataDir).socket, resolve));
    try {
      const r = await git(['push', path.join(reposDir, 'proj.git'), `${bugRefs[3]}:${bugRefs[3]}`], work);
      expect(r.code, r.stderr).toBe(0);
      expect(r.ms).toBeLessThan(4000);
      expect(r.stderr).toMatch(/bugserve: the server did not answer in time/);
    } finally {
      mute.close();
    }
  });
});

describe('startHookListener', () => {
  function send(line: string | Buffer): Promise<string> {
    return new Promise((resolve, reject) => {
      const c = net.connect(dataDirAt(dataDir).socket);
      let reply = '';
      c.on('data', (d: Buffer) => (reply += d.toString('utf8')));
      c.on('close', () => resolve(reply));
      c.on('error', reject);
      c.end(line);
    });
  }

  it('keeps its socket in a folder only its user can enter', async () => {
    listener = await startHookListener(dataDir, () => undefined);
    expect((await stat(path.join(dataDir, 'run'))).mode & 0o777).toBe(0o700);
  });

  it('refuses malformed, hostile and oversized messages', async () => {
    const rec = recorder();
    listener = await startHookListener(dataDir, rec.on);
    const id = 'a'.repeat(64);
    expect(await send('not json\n')).toMatch(/^error /);
    expect(await send(JSON.stringify({ v: 1, type: 'refs-changed', repo: '../x', refs: [`refs/bugs/${id}`] }) + '\n')).toMatch(/^error /);
    expect(await send(JSON.stringify({ v: 1, type: 'refs-changed', repo: 'proj', refs: ['refs/heads/main'] }) + '\n')).toMatch(/^error /);
    expect(await send(JSON.stringify({ v: 2, type: 'refs-changed', repo: 'proj', refs: [] }) + '\n')).toMatch(/^error /);
    expect(await send(Buffer.alloc(2 * 1024 * 1024, 0x61))).toMatch(/^error message too large/);
    expect(rec.calls).toEqual([]);
    expect(await send(JSON.stringify({ v: 1, type: 'refs-changed', repo: 'team/app', refs: [`refs/bugs/${id}`] }) + '\n')).toBe('ok\n');
    expect(rec.calls).toEqual([{ repo: 'team/app', refs: [`refs/bugs/${id}`] }]);
  });

  it('replaces a stale socket but never a live one', async () => {
    // A server killed without cleaning up leaves its socket file behind.
    const sock = dataDirAt(dataDir).socket;
    const child = spawn(
      process.execPath,
      ['-e', `require('net').createServer().listen(${JSON.stringify(sock)}, () => console.log('up'))`],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise((resolve) => child.stdout.once('data', resolve));
    await expect(startHookListener(dataDir, () => undefined)).rejects.toThrow(/already listening/);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('close', resolve));
    expect(existsSync(sock)).toBe(true);

    const rec = recorder();
    listener = await startHookListener(dataDir, rec.on);
    expect(await send(JSON.stringify({ v: 1, type: 'refs-changed', repo: 'proj', refs: [] }) + '\n')).toBe('ok\n');
    await listener.close();
    listener = undefined;
    expect(existsSync(sock)).toBe(false);
  });
});
