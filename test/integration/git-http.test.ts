// git smart HTTP through handleGitHttp, driven by the real git client against
// real bare repositories. A small node:http server routes `/{name}.git/*` with
// the server's own request parsing (parseTarget + matchRoute); `/raw/...`
// hands names to the handler without that parsing, to check its own guard.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gitSandbox } from '../helpers/git-client.js';
import { gitDescendants, waitForGit } from '../helpers/processes.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirAt } from '../../src/data/dir.js';
import { ProcessLimit } from '../../src/git/process-limit.js';
import { findRepos } from '../../src/git/repo-path.js';
import { HOOK_MARKER } from '../../src/hooks/install.js';
import { handleGitHttp, sendGitError } from '../../src/web/git-http.js';
import { parseTarget } from '../../src/web/request.js';
import { matchRoute } from '../../src/web/router.js';

const TOKEN = 'tok-3f9a7c1e';

let root: string;
let dataDir: string;
let reposDir: string;
let work: string;
let server: http.Server;
let base: string;
let pushToken: string | undefined = TOKEN;
const gitLimit = new ProcessLimit();
const encodings: string[] = [];

const { git, gitOk } = gitSandbox(() => root);

function url(name: string, token?: string): string {
  const auth = token === undefined ? '' : `x:${token}@`;
  return `http://${auth}${base.slice('http://'.length)}/${name}.git`;
}

/** Every path under `dir`, for checking that nothing appeared. */
async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      out.push(path.relative(root, full));
      if (e.isDirectory() && !e.name.endsWith('.git')) await walk(full);
    }
  };
  await walk(dir);
  return out.sort();
}

function rawRequest(
  pathAndQuery: string,
  opts: { method?: string; auth?: boolean; body?: Buffer } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: pathAndQuery,
        method: opts.method ?? 'GET',
        headers: opts.auth ? { Authorization: 'Basic ' + Buffer.from(`x:${TOKEN}`).toString('base64') } : {},
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.headers['content-encoding']) encodings.push(String(req.headers['content-encoding']));
  const ctx = { data: dataDirAt(dataDir), pushToken, gitLimit };
  try {
    // /raw/<percent-encoded name>/<rest>: the handler alone decides about the name.
    const raw = /^\/raw\/([^/]+)(\/[^?]*)/.exec(req.url ?? '');
    if (raw) return await handleGitHttp(req, res, { ...ctx, repoName: decodeURIComponent(raw[1]), path: raw[2] });
    const target = parseTarget(req.url);
    const r = await matchRoute(target.segments, () => false);
    if (r.kind !== 'git') {
      res.writeHead(404).end();
      return;
    }
    await handleGitHttp(req, res, { ...ctx, repoName: r.repo, path: r.path });
  } catch (err) {
    await sendGitError(res, err);
  }
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bugserve-githttp-'));
  dataDir = path.join(root, 'data');
  reposDir = path.join(dataDir, 'repos');
  await mkdir(reposDir, { recursive: true });
  await gitOk(['init', '--quiet', '--bare', path.join(reposDir, 'demo.git')]);

  work = path.join(root, 'work');
  await gitOk(['init', '--quiet', work]);
  await writeFile(path.join(work, 'README.md'), '# demo\n');
  await gitOk(['add', '.'], work);
  await gitOk(['commit', '--quiet', '-m', 'first'], work);
  await gitOk(['push', '--quiet', path.join(reposDir, 'demo.git'), 'main'], work);

  server = http.createServer((req, res) => void route(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  if (root) await rm(root, { recursive: true, force: true });
});

describe('git smart HTTP', () => {
  it('clones anonymously', async () => {
    const dest = path.join(root, 'clone-anon');
    await gitOk(['clone', '--quiet', url('demo'), dest]);
    expect(await readFile(path.join(dest, 'README.md'), 'utf8')).toBe('# demo\n');
  });

  it('refuses a push without the token and leaves the repository as it was', async () => {
    const before = await gitOk(['--git-dir', path.join(reposDir, 'demo.git'), 'rev-parse', 'main']);
    await writeFile(path.join(work, 'a.txt'), 'a\n');
    await gitOk(['add', '.'], work);
    await gitOk(['commit', '--quiet', '-m', 'a'], work);

    const anon = await git(['push', url('demo'), 'main'], work);
    expect(anon.code).not.toBe(0);
    expect(anon.stderr).toMatch(/401|Authentication failed|could not read Username/i);

    const wrong = await git(['push', url('demo', 'not-the-token'), 'main'], work);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/401|Authentication failed/i);

    expect(await gitOk(['--git-dir', path.join(reposDir, 'demo.git'), 'rev-parse', 'main'])).toBe(before);
  });

  it('answers 401 with a Basic challenge so git asks for credentials', async () => {
    const r = await rawRequest('/demo.git/info/refs?service=git-receive-pack');
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toMatch(/^Basic realm="bugserve"/);
    // Reading needs nothing.
    expect((await rawRequest('/demo.git/info/refs?service=git-upload-pack')).status).toBe(200);
  });

  it('accepts a push with the token', async () => {
    const head = await gitOk(['rev-parse', 'HEAD'], work);
    const r = await git(['push', url('demo', TOKEN), 'main'], work);
    expect(r.code, r.stderr).toBe(0);
    expect(await gitOk(['--git-dir', path.join(reposDir, 'demo.git'), 'rev-parse', 'main'])).toBe(head);
  });

  it('refuses every push with 403 when no token is configured', async () => {
    pushToken = undefined;
    try {
      const r = await git(['push', url('demo', TOKEN), 'main:refs/heads/other'], work);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/403/);
      const raw = await rawRequest('/demo.git/info/refs?service=git-receive-pack', { auth: true });
      expect(raw.status).toBe(403);
      expect(raw.body).toMatch(/pushing is disabled/);
      expect((await git(['--git-dir', path.join(reposDir, 'demo.git'), 'rev-parse', '--verify', 'other'])).code).not.toBe(0);
    } finally {
      pushToken = TOKEN;
    }
  });

  it('creates a repository on the first push to a new name, with the hook', async () => {
    const r = await git(['push', url('team/fresh', TOKEN), 'main'], work);
    expect(r.code, r.stderr).toBe(0);
    const dir = path.join(reposDir, 'team', 'fresh.git');
    expect(await gitOk(['--git-dir', dir, 'rev-parse', 'main'])).toBe(await gitOk(['rev-parse', 'HEAD'], work));
    expect(await readFile(path.join(dir, 'hooks', 'post-receive'), 'utf8')).toContain(HOOK_MARKER);
    expect((await findRepos(reposDir)).map((r) => r.name)).toContain('team/fresh');

    const dest = path.join(root, 'clone-fresh');
    await gitOk(['clone', '--quiet', url('team/fresh'), dest]);
    expect(existsSync(path.join(dest, 'a.txt'))).toBe(true);

    // A first push of another branch name still gives clones a checkout.
    expect((await git(['push', url('team/trunk', TOKEN), 'main:refs/heads/trunk'], work)).code).toBe(0);
    const dest2 = path.join(root, 'clone-trunk');
    await gitOk(['clone', '--quiet', url('team/trunk'), dest2]);
    expect(existsSync(path.join(dest2, 'a.txt'))).toBe(true);
    expect((await findRepos(reposDir)).map((r) => r.name)).toEqual(['demo', 'team/fresh', 'team/trunk']);
  });

  it('does not create a repository for reads or for pushes without the token', async () => {
    expect((await git(['clone', '--quiet', url('ghost'), path.join(root, 'ghost-clone')])).code).not.toBe(0);
    expect((await rawRequest('/ghost.git/info/refs?service=git-upload-pack')).status).toBe(404);
    expect((await git(['push', url('ghost'), 'main'], work)).code).not.toBe(0);
    expect((await git(['push', url('ghost', 'wrong'), 'main'], work)).code).not.toBe(0);
    expect(existsSync(path.join(reposDir, 'ghost.git'))).toBe(false);
  });

  it('serves only the smart protocol endpoints', async () => {
    expect((await rawRequest('/demo.git/config')).status).toBe(404);
    expect((await rawRequest('/demo.git/objects/info/packs')).status).toBe(404);
    expect((await rawRequest('/demo.git/info/refs')).status).toBe(404);
    expect((await rawRequest('/demo.git/info/refs?service=git-daemon')).status).toBe(404);
    expect((await rawRequest('/demo.git/git-upload-pack')).status).toBe(405);
    const head = await rawRequest('/demo.git/HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('ref: refs/heads/main\n');
  });

  it('rejects hostile names with 4xx and creates nothing', async () => {
    const before = await listTree(root);
    const hostile = [
      '/../x.git/info/refs?service=git-receive-pack',
      '/%2e%2e/x.git/info/refs?service=git-receive-pack',
      '/a%2fb.git/info/refs?service=git-receive-pack',
      '/a%2Fb.git/info/refs?service=git-receive-pack',
      '/..%2fx.git/info/refs?service=git-receive-pack',
      '/%2e%2e%2f%2e%2e%2fx.git/info/refs?service=git-receive-pack',
      '/a/../../x.git/info/refs?service=git-receive-pack',
      '/a%5c..%5cx.git/info/refs?service=git-receive-pack',
      '/.x.git/info/refs?service=git-receive-pack',
      '/a%00b.git/info/refs?service=git-receive-pack',
      // Straight to the handler, past the server's own parsing:
      '/raw/..%2fx/info/refs?service=git-receive-pack',
      '/raw/%2Ftmp%2Fx/info/refs?service=git-receive-pack',
      '/raw/a%2F..%2F..%2Fx/info/refs?service=git-receive-pack',
      '/raw/..%2F..%2Fdemo/info/refs?service=git-upload-pack',
    ];
    for (const p of hostile) {
      const r = await rawRequest(p, { auth: true });
      expect(r.status, p).toBeGreaterThanOrEqual(400);
      expect(r.status, p).toBeLessThan(500);
    }
    const viaGit = await git(['push', url('%2e%2e/x', TOKEN), 'main'], work);
    expect(viaGit.code).not.toBe(0);
    expect(await listTree(root)).toEqual(before);
    expect((await findRepos(reposDir)).map((r) => r.name)).toEqual(['demo', 'team/fresh', 'team/trunk']);
  });

  it('streams a push of several megabytes and a clone of it back', async () => {
    const blob = randomBytes(6 * 1024 * 1024); // incompressible: the pack is as big
    await writeFile(path.join(work, 'big.bin'), blob);
    await gitOk(['add', '.'], work);
    await gitOk(['commit', '--quiet', '-m', 'big'], work);
    const r = await git(['push', url('demo', TOKEN), 'main'], work);
    expect(r.code, r.stderr).toBe(0);

    const dest = path.join(root, 'clone-big');
    await gitOk(['clone', '--quiet', url('demo'), dest]);
    const back = await readFile(path.join(dest, 'big.bin'));
    expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(blob).digest('hex'));
  });

  it('reads gzip-compressed requests from the git client', async () => {
    // Many refs make fetch negotiation big enough for git to gzip its request.
    const src = path.join(reposDir, 'many.git');
    await gitOk(['init', '--quiet', '--bare', src]);
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) {
      lines.push(`commit refs/heads/b${i}`, `committer T <t@e> ${1700000000 + i} +0000`, 'data 2', `${i % 10}\n`, '');
    }
    await new Promise<void>((resolve, reject) => {
      const p = spawn('git', ['--git-dir', src, 'fast-import', '--quiet'], { stdio: ['pipe', 'ignore', 'inherit'] });
      p.on('error', reject);
      p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`fast-import ${code}`))));
      p.stdin.end(lines.join('\n'));
    });
    encodings.length = 0;
    const dest = path.join(root, 'clone-many');
    await gitOk(['clone', '--quiet', '--bare', url('many'), dest]);
    expect(encodings).toContain('gzip');
    const refs = (await gitOk(['--git-dir', dest, 'for-each-ref', '--format=%(refname)', 'refs/heads/'])).split('\n');
    expect(refs).toHaveLength(400);
  });

  it('stops git when the client goes away', async () => {
    const waitFor = (cond: (procs: string[]) => boolean) => waitForGit(cond);
    const { port } = server.address() as AddressInfo;

    // 1. A request body that never ends: the server holds it and starts no git.
    const hanging = http.request({
      host: '127.0.0.1',
      port,
      path: '/demo.git/git-upload-pack',
      method: 'POST',
      headers: { 'Content-Type': 'application/x-git-upload-pack-request', 'Transfer-Encoding': 'chunked' },
    });
    hanging.on('error', () => undefined);
    hanging.write('0032want ');
    await new Promise((r) => setTimeout(r, 300));
    expect(await gitDescendants()).toEqual([]);
    hanging.destroy();
    expect(await waitFor((p) => p.length === 0)).toEqual([]);

    // 2. A clone of the big pack, abandoned after its first bytes.
    const pkt = (line: string) => (line.length + 4).toString(16).padStart(4, '0') + line;
    const tip = await gitOk(['--git-dir', path.join(reposDir, 'demo.git'), 'rev-parse', 'main']);
    const body = pkt('command=fetch\n') + '0001' + pkt('no-progress\n') + pkt(`want ${tip}\n`) + pkt('done\n') + '0000';
    const firstBytes = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/demo.git/git-upload-pack',
          method: 'POST',
          headers: { 'Content-Type': 'application/x-git-upload-pack-request', 'Git-Protocol': 'version=2' },
        },
        (res) => {
          res.once('data', (d: Buffer) => {
            resolve(d.length);
            req.destroy();
          });
        },
      );
      req.on('error', () => undefined);
      req.on('close', () => reject(new Error('closed before any data')));
      req.end(body);
    });
    expect(firstBytes).toBeGreaterThan(0);
    expect(await waitFor((p) => p.length === 0)).toEqual([]);
  });
});
