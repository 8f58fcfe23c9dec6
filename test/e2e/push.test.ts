// End to end with the real git client against `bugserve serve` running as a
// child process: anonymous clone, token-guarded pushes over smart HTTP, the
// post-receive hook invalidating the cache (seen in /-/metrics and in the
// very next answer), pushes while the server is down, hooks kept by
// `hooks install`, and SIGTERM with a request in flight.

import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { gitSandbox } from '../helpers/git-client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOOK_MARKER } from '../../src/hooks/install.js';
import { CLI, ensureBuilt } from '../helpers/build.js';
import { CORPUS_BUGS, CORPUS_BUNDLE, CORPUS_IDENTITIES } from '../helpers/corpus.js';
import { ops, writeBug, writePack, updateRef } from '../helpers/git-bug-writer.js';
import { getJson, metric, request, spawnServer, type ChildServer } from '../helpers/server.js';

const TOKEN = 'e2e-push-token-7f3a';
const ZERO = '0'.repeat(40);
const GEN_BUGS = 24;

let root: string;
let dataDir: string;
let reposDir: string;
/** a working clone: main branch, the generated bugs and identities, and what the tests add */
let work: string;
let workGit: string;
/** the untouched generated repository */
let genRepo: string;
let srv: ChildServer | undefined;

const { run, git, gitOk } = gitSandbox(() => root);

const bugserve = (args: string[]) => run(process.execPath, [CLI, ...args]);

const server = () => {
  if (!srv) throw new Error('no server running');
  return srv;
};
const anonUrl = (repo: string) => `${server().url}/${repo}.git`;
const authUrl = (repo: string, token = TOKEN) => `http://push:${token}@${server().url.slice('http://'.length)}/${repo}.git`;

/** refs/… → oid of a repository (bare or not). */
async function refsOf(gitDir: string, prefix = 'refs/'): Promise<Map<string, string>> {
  const out = await gitOk(['--git-dir', gitDir, 'for-each-ref', '--format=%(objectname) %(refname)', prefix]);
  return new Map(
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(41), l.slice(0, 40)] as [string, string]),
  );
}

/** The edit clock git-bug wrote into a pack commit's tree. */
async function editClock(gitDir: string, commit: string): Promise<number> {
  const names = await gitOk(['--git-dir', gitDir, 'ls-tree', '--name-only', commit]);
  const m = /^edit-clock-(\d+)$/m.exec(names);
  if (!m) throw new Error(`${commit} has no edit-clock entry: ${names}`);
  return Number(m[1]);
}

/** Adds a pack (a comment, then closing) on top of a bug in `work`; returns the new head. */
async function commentAndClose(bugId: string, author: string, message: string): Promise<string> {
  const head = (await refsOf(workGit, `refs/bugs/${bugId}`)).get(`refs/bugs/${bugId}`)!;
  const next = writePack(workGit, {
    author,
    ops: [ops.comment(message, 1800000000), ops.status(2, 1800000001)],
    editClock: (await editClock(workGit, head)) + 1,
    parents: [head],
  });
  updateRef(workGit, `refs/bugs/${bugId}`, next);
  return next;
}

const invalidations = (reason?: string) => metric(server().url, 'bugserve_cache_invalidations_total', reason ? { reason } : {});
const opens = () => metric(server().url, 'bugserve_cache_opens_total');
const hits = () => metric(server().url, 'bugserve_cache_hits_total');

interface ListJson {
  total: number;
  open: number;
  closed: number;
  bugs: { id: string; title: string; status: string }[];
  damaged: unknown[];
}
const listAll = (repo: string) => getJson<ListJson>(server().url, `/api/v1/repos/${repo}/bugs?q=&perPage=100`);

let genBugIds: string[];
let identityIds: string[];

beforeAll(async () => {
  ensureBuilt();
  // Short: the hook socket's path must fit in ~100 bytes.
  root = await mkdtemp(path.join(os.tmpdir(), 'bs-e2e-push-'));
  dataDir = path.join(root, 'data');
  reposDir = path.join(dataDir, 'repos');
  await mkdir(reposDir, { recursive: true });

  genRepo = path.join(root, 'gen.git');
  const g = await bugserve(['gen', genRepo, '--bugs', String(GEN_BUGS), '--identities', '4', '--comments', '2', '--seed', '41']);
  if (g.code !== 0) throw new Error(`bugserve gen failed: ${g.stderr}`);

  work = path.join(root, 'work');
  workGit = path.join(work, '.git');
  await gitOk(['init', '--quiet', work]);
  await writeFile(path.join(work, 'README.md'), '# Pushed project\n\nCloned over HTTP.\n');
  await gitOk(['add', '.'], work);
  await gitOk(['commit', '--quiet', '-m', 'first'], work);
  await gitOk(['fetch', '--quiet', genRepo, 'refs/bugs/*:refs/bugs/*', 'refs/identities/*:refs/identities/*'], work);
  genBugIds = [...(await refsOf(workGit, 'refs/bugs/')).keys()].map((r) => r.slice('refs/bugs/'.length)).sort();
  identityIds = [...(await refsOf(workGit, 'refs/identities/')).keys()].map((r) => r.slice('refs/identities/'.length));
  expect(genBugIds).toHaveLength(GEN_BUGS);

  // A repository that exists before the server starts, for the anonymous clone.
  await gitOk(['init', '--quiet', '--bare', path.join(reposDir, 'site.git')]);
  await gitOk(['push', '--quiet', path.join(reposDir, 'site.git'), 'main'], work);

  srv = await spawnServer({ dataDir, pushToken: TOKEN, args: ['--idle-timeout', '5m'] });
}, 120_000);

afterAll(async () => {
  await srv?.kill();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('bugserve serve with a real git client', () => {
  it('clones over HTTP without credentials', async () => {
    const dest = path.join(root, 'clone-site');
    const r = await git(['clone', '--quiet', anonUrl('site'), dest]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(path.join(dest, 'README.md'), 'utf8')).toBe('# Pushed project\n\nCloned over HTTP.\n');
    expect(await gitOk(['rev-parse', 'HEAD'], dest)).toBe(await gitOk(['rev-parse', 'main'], work));
  });

  it('a push with the token creates the repository; the very next request shows its bugs', async () => {
    const r = await git(
      ['push', '--quiet', authUrl('proj'), 'main', 'refs/bugs/*:refs/bugs/*', 'refs/identities/*:refs/identities/*'],
      work,
    );
    expect(r.code, r.stderr).toBe(0);
    const list = await listAll('proj');
    expect(list.total).toBe(GEN_BUGS);
    expect(list.damaged).toEqual([]);
    expect(list.bugs.map((b) => b.id).sort()).toEqual(genBugIds);
    // The repository made by the push got bugserve's hook.
    expect(await readFile(path.join(reposDir, 'proj.git', 'hooks', 'post-receive'), 'utf8')).toContain(HOOK_MARKER);
  });

  it('changing one bug and deleting another: the very next request shows both; the hook invalidated the cache', async () => {
    await listAll('proj'); // warm
    const [changed, deleted] = [genBugIds[0], genBugIds[1]];
    const before = await getJson<{ status: string; comments: unknown[] }>(server().url, `/api/v1/repos/proj/bugs/${changed}`);
    const hook0 = await invalidations('hook');
    const refsChanged0 = await invalidations('refs-changed');

    await commentAndClose(changed, identityIds[0], 'Pushed **later** over HTTP');
    const r = await git(['push', '--quiet', authUrl('proj'), `refs/bugs/${changed}:refs/bugs/${changed}`, `:refs/bugs/${deleted}`], work);
    expect(r.code, r.stderr).toBe(0);

    const bug = await getJson<{ status: string; comments: { message: string }[] }>(server().url, `/api/v1/repos/proj/bugs/${changed}`);
    expect(await invalidations('hook')).toBe(hook0 + 1);
    // The hook did it, not the cache's own refs check.
    expect(await invalidations('refs-changed')).toBe(refsChanged0);
    expect(bug.comments).toHaveLength(before.comments.length + 1);
    expect(bug.comments.at(-1)!.message).toBe('Pushed **later** over HTTP');
    expect(bug.status).toBe('closed');
    const gone = await request(server().url, `/api/v1/repos/proj/bugs/${deleted}`);
    expect(gone.status).toBe(404);
    const list = await listAll('proj');
    expect(list.total).toBe(GEN_BUGS - 1);
    expect(list.bugs.map((b) => b.id)).not.toContain(deleted);
    expect(await invalidations('hook')).toBe(hook0 + 1);
  });

  it('a push without the token, or with a wrong one, is refused and changes nothing', async () => {
    const listBefore = await request(server().url, '/api/v1/repos/proj/bugs?q=&perPage=100');
    const refsBefore = await refsOf(path.join(reposDir, 'proj.git'));
    const inval0 = await invalidations();
    const { id } = writeBug(workGit, identityIds[1], [[ops.create('never arrives', 'refused push', 1800000100)]]);
    const spec = `refs/bugs/${id}:refs/bugs/${id}`;

    const anon = await git(['push', anonUrl('proj'), spec], work);
    expect(anon.code).not.toBe(0);
    expect(anon.stderr).toMatch(/401|Authentication failed|could not read Username/i);
    const wrong = await git(['push', authUrl('proj', 'not-the-token'), spec], work);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/401|Authentication failed/i);

    expect(await refsOf(path.join(reposDir, 'proj.git'))).toEqual(refsBefore);
    const listAfter = await request(server().url, '/api/v1/repos/proj/bugs?q=&perPage=100');
    expect(listAfter.status).toBe(200);
    expect(listAfter.body).toBe(listBefore.body);
    expect((await request(server().url, `/api/v1/repos/proj/bugs/${id}`)).status).toBe(404);
    expect(await invalidations()).toBe(inval0);
    // Cleaned up so later pushes of refs/bugs/* stay as planned.
    await gitOk(['update-ref', '-d', `refs/bugs/${id}`], work);
  });

  it('a push of a branch only does not invalidate the cache', async () => {
    await listAll('proj'); // warm
    const [inval0, opens0, hits0] = [await invalidations(), await opens(), await hits()];
    await writeFile(path.join(work, 'more.txt'), 'branch only\n');
    await gitOk(['add', '.'], work);
    await gitOk(['commit', '--quiet', '-m', 'second'], work);
    const r = await git(['push', '--quiet', authUrl('proj'), 'main'], work);
    expect(r.code, r.stderr).toBe(0);
    expect((await refsOf(path.join(reposDir, 'proj.git'), 'refs/heads/main')).get('refs/heads/main')).toBe(
      await gitOk(['rev-parse', 'main'], work),
    );

    const list = await listAll('proj');
    expect(list.total).toBe(GEN_BUGS - 1);
    expect(await invalidations()).toBe(inval0);
    expect(await opens()).toBe(opens0);
    expect(await hits()).toBe(hits0 + 1);
  });

  it('`bugserve hooks install` keeps an existing post-receive hook running with the same input; the server is notified too', async () => {
    const legacy = path.join(reposDir, 'legacy.git');
    const stdinFile = path.join(root, 'legacy-stdin');
    await gitOk(['init', '--quiet', '--bare', legacy]);
    const own = path.join(legacy, 'hooks', 'post-receive');
    await writeFile(own, `#!/bin/sh\ncat > '${stdinFile}'\necho "legacy hook ran"\n`);
    await chmod(own, 0o755);
    await gitOk(['push', '--quiet', legacy, 'refs/bugs/*:refs/bugs/*', 'refs/identities/*:refs/identities/*'], genRepo);

    const inst = await bugserve(['hooks', 'install', '--data', dataDir]);
    expect(inst.code, inst.stderr).toBe(0);
    expect(inst.stdout).toContain('legacy: installed (the existing post-receive hook was kept');

    expect((await listAll('legacy')).total).toBe(GEN_BUGS); // warm
    const hook0 = await invalidations('hook');
    const { id, head } = writeBug(workGit, identityIds[2], [[ops.create('Arrived through a kept hook', 'hello', 1800000200)]]);
    const r = await git(['push', authUrl('legacy'), `refs/bugs/${id}:refs/bugs/${id}`], work);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('remote: legacy hook ran');
    expect(await readFile(stdinFile, 'utf8')).toBe(`${ZERO} ${head} refs/bugs/${id}\n`);

    const list = await listAll('legacy');
    expect(list.total).toBe(GEN_BUGS + 1);
    expect(list.bugs.find((b) => b.id === id)?.title).toBe('Arrived through a kept hook');
    expect(await invalidations('hook')).toBe(hook0 + 1);
    await gitOk(['update-ref', '-d', `refs/bugs/${id}`], work);
  });

  it('a push while the server is down succeeds; after a restart the first request is fresh and hooks reach the new server', async () => {
    expect((await listAll('proj')).total).toBe(GEN_BUGS - 1); // warm, then stop
    expect(await server().stop('SIGTERM')).toBe(0);
    srv = undefined;

    const { id } = writeBug(workGit, identityIds[3], [[ops.create('Pushed while the server slept', '', 1800000300)]]);
    const down = await git(['push', path.join(reposDir, 'proj.git'), `refs/bugs/${id}:refs/bugs/${id}`], work);
    expect(down.code, down.stderr).toBe(0);
    expect(down.ms).toBeLessThan(5000);
    expect(down.stderr).not.toMatch(/bugserve:/);

    srv = await spawnServer({ dataDir, pushToken: TOKEN, args: ['--idle-timeout', '5m'] });
    const first = await getJson<{ title: string }>(server().url, `/api/v1/repos/proj/bugs/${id}`);
    expect(first.title).toBe('Pushed while the server slept');
    expect((await listAll('proj')).total).toBe(GEN_BUGS);

    // The new server listens for hooks again: a push to the file path invalidates it.
    const hook0 = await invalidations('hook');
    const later = writeBug(workGit, identityIds[3], [[ops.create('Pushed after the restart', '', 1800000400)]]);
    const up = await git(['push', '--quiet', path.join(reposDir, 'proj.git'), `refs/bugs/${later.id}:refs/bugs/${later.id}`], work);
    expect(up.code, up.stderr).toBe(0);
    expect((await getJson<{ title: string }>(server().url, `/api/v1/repos/proj/bugs/${later.id}`)).title).toBe('Pushed after the restart');
    expect(await invalidations('hook')).toBe(hook0 + 1);
  });

  it('pushes the real git-bug corpus over HTTP and serves all of it', async () => {
    const corpus = path.join(root, 'corpus.git');
    await gitOk(['init', '--quiet', '--bare', corpus]);
    await gitOk(['--git-dir', corpus, 'fetch', '--quiet', CORPUS_BUNDLE, 'refs/bugs/*:refs/bugs/*', 'refs/identities/*:refs/identities/*']);
    const r = await git([
      '--git-dir',
      corpus,
      'push',
      '--quiet',
      authUrl('corpus'),
      'refs/bugs/*:refs/bugs/*',
      'refs/identities/*:refs/identities/*',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect((await refsOf(path.join(reposDir, 'corpus.git'), 'refs/identities/')).size).toBe(CORPUS_IDENTITIES);
    const list = await getJson<ListJson>(server().url, '/api/v1/repos/corpus/bugs?q=&perPage=5');
    expect(list.total).toBe(CORPUS_BUGS);
    expect(list.open + list.closed).toBe(CORPUS_BUGS);
    expect(list.damaged).toEqual([]);
  });

  it('SIGTERM with a request in flight: the request completes, then the process exits 0', async () => {
    const s = server();
    // An upload-pack call whose body we hold back: it stays open until the body ends.
    const u = new URL(s.url);
    const req = http.request({
      host: u.hostname,
      port: u.port,
      method: 'POST',
      path: '/site.git/git-upload-pack',
      headers: { 'Content-Type': 'application/x-git-upload-pack-request', 'Transfer-Encoding': 'chunked' },
      agent: false,
    });
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', reject);
    });
    req.flushHeaders();
    // The server reads a fetch body whole before starting git, so there is no
    // process to wait for: a pause lets the request arrive; `inFlight` below
    // proves it is in flight.
    await new Promise((r) => setTimeout(r, 500));
    const order: string[] = [];
    const exit = s.stop('SIGTERM').then((code) => (order.push('exit'), code));
    const shutting = await s.waitForLine((l) => l.msg === 'shutting down');
    expect(shutting.inFlight).toBeGreaterThanOrEqual(1);
    // Not accepting any more, while the old request is still open.
    await expect(request(s.url, '/-/healthz')).rejects.toThrow(/ECONNREFUSED/);
    expect(s.child.exitCode).toBeNull();

    req.end('0000'); // a flush: no wants, upload-pack is done
    const res = await response;
    const body = new Promise<void>((resolve, reject) => {
      res.resume();
      res.once('end', resolve);
      res.once('error', reject);
    });
    await body.then(() => order.push('reply'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-git-upload-pack-result');
    expect(await exit).toBe(0);
    expect(order).toEqual(['reply', 'exit']);
    expect(s.lines).toContainEqual(expect.objectContaining({ msg: 'request', method: 'POST', status: 200 }));
    expect(s.lines.at(-1)).toMatchObject({ msg: 'stopped' });
    srv = undefined;
  });
});
