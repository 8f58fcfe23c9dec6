// Code browsing on real repositories made with the git client: folders,
// files (highlighted, Markdown, images, binary, big), raw bytes that never
// come back as HTML, history, commits with diffs, refs with `/`, hostile
// file names, symbolic links, submodules, empty and bugs-only repositories,
// unusual HEADs, ambiguous short ids, and the JSON API.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app.js';
import { ensureBuilt } from '../helpers/build.js';
import { UnavailableError } from '../../src/errors.js';
import { ProcessLimit } from '../../src/git/process-limit.js';
import { ObjectReader } from '../../src/code/objects.js';
import { runBoundedGit } from '../../src/code/run.js';
import {
  BIG_SIZE,
  BINARY,
  BUG_ID,
  HISTORY,
  HOSTILE_BRANCH,
  MAIN_TS,
  makeCodeRepo,
  NAMES,
  PAGE_HTML,
  PNG,
  type CodeRepo,
} from '../helpers/code-repo.js';
import { git, initBare, ops, tempDir, writeBug, writeIdentity } from '../helpers/git-bug-writer.js';
import { request, startInProcess } from '../helpers/server.js';

const XSS = '<script>alert(1)</script>';

/** Percent-encodes every byte but unreserved ones (as the pages do). */
function enc(name: string | Buffer): string {
  let out = '';
  for (const b of typeof name === 'string' ? Buffer.from(name) : name) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9._~-]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

async function bytes(base: string, p: string): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const r = await fetch(base + p, { redirect: 'manual' });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

/** The hrefs of the file table's entry links, in order. */
function entryLinks(page: string): { href: string; text: string }[] {
  const table = page.slice(page.indexOf('<table class="files">'), page.indexOf('</table>'));
  return [...table.matchAll(/<td class="name">(?:<a class="title" href="([^"]*)">([^<]*)<\/a>|<span class="title">([^<]*)<\/span>)/g)].map(
    (m) => ({
      href: m[1] ?? '',
      text: m[2] ?? m[3],
    }),
  );
}

describe('code browsing', () => {
  let tmp: { path: string; remove: () => void };
  let server: RunningServer;
  let repo: CodeRepo;
  const get = (p: string) => request(server.url, p);

  beforeAll(async () => {
    ensureBuilt();
    tmp = tempDir('bs-code-');
    const reposDir = path.join(tmp.path, 'repos');
    repo = makeCodeRepo(reposDir);
    initBare(path.join(reposDir, 'empty.git'));
    const bugsOnly = initBare(path.join(reposDir, 'bugsonly.git'));
    writeBug(bugsOnly, writeIdentity(bugsOnly, { name: 'Ada', login: 'ada' }), [[ops.create('only a bug', 'no code', 1700000000)]]);
    // A detached HEAD, and a HEAD naming a branch that does not exist.
    execFileSync('git', ['clone', '-q', '--bare', repo.bare, path.join(reposDir, 'detached.git')]);
    writeFileSync(path.join(reposDir, 'detached.git', 'HEAD'), repo.commits[0] + '\n');
    execFileSync('git', ['clone', '-q', '--bare', repo.bare, path.join(reposDir, 'unborn.git')]);
    git(path.join(reposDir, 'unborn.git'), ['symbolic-ref', 'HEAD', 'refs/heads/nothing-here']);
    server = await startInProcess(tmp.path);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    tmp?.remove();
  });

  describe('folders', () => {
    it('lists the root folders first, then files, with hostile names escaped and shown', async () => {
      const r = await get('/code/tree/main');
      expect(r.status).toBe(200);
      const links = entryLinks(r.body);
      const names = links.map((l) => l.text);
      expect(names.slice(0, 3)).toEqual(['docs', 'src', 'vendor']);
      expect(names).toContain('README.md');
      expect(names).toContain('new\\nline.txt');
      expect(names).toContain('&lt;img src=x onerror=alert(1)&gt;.txt');
      expect(r.body).not.toContain('<img src=x');
      expect(names).toContain('bad-\uFFFD\uFFFD.txt');
      expect(names).toContain(NAMES.long);
      expect(r.body).not.toContain(XSS);
      expect(r.body).toContain('escape-link</a> <span class="muted small">symbolic link</span>');
    });

    it('every entry link of the root opens (exact bytes round-trip through the URL)', async () => {
      const links = entryLinks((await get('/code/tree/main')).body).filter((l) => l.href);
      expect(links.length).toBeGreaterThan(10);
      for (const l of links) {
        const r = await get(l.href);
        expect(r.status, `${l.text} at ${l.href}`).toBe(200);
      }
      const invalid = links.find((l) => l.text.includes('\uFFFD'))!;
      expect(invalid.href).toBe(`/code/blob/main/${enc(NAMES.invalid)}`);
      expect((await get(invalid.href)).body).toContain('not utf-8 in the name');
      expect((await get(`/code/blob/main/${enc(NAMES.newline)}`)).body).toContain('a file with a newline in its name');
    });

    it('shows each entry’s last commit and the folder’s README below', async () => {
      const r = await get('/code/tree/main');
      const row = (name: string) => r.body.slice(r.body.indexOf(`>${name}</a>`)).split('</tr>')[0];
      expect(row('counter.txt')).toContain(`Count to ${HISTORY}`);
      expect(row('docs')).toContain(`Count to ${HISTORY - (HISTORY % 10)}`);
      expect(row('src')).toContain('First commit');
      expect(r.body).toMatch(/<h1>Code fixture<\/h1>/);
      expect(r.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    });

    it('a sub-folder, a submodule shown as such, a folder asked as a file redirects', async () => {
      const src = await get('/code/tree/main/src');
      expect(entryLinks(src.body).map((l) => l.text)).toEqual(['util', 'main.ts']);
      const vendor = await get('/code/tree/main/vendor');
      expect(vendor.body).toContain(`submodule @ ${repo.submoduleCommit.slice(0, 10)}`);
      const sub = await get('/code/blob/main/vendor/lib');
      expect(sub.body).toContain(`Submodule at commit <code>${repo.submoduleCommit}</code>`);
      const redirect = await get('/code/blob/main/src');
      expect(redirect.status).toBe(302);
      expect(redirect.headers.location).toBe('/code/tree/main/src');
    });

    it('unknown refs and paths are 404s; paths never leave the tree', async () => {
      for (const p of [
        '/code/tree/nope',
        '/code/tree/main/nope',
        '/code/blob/main/src/nope.ts',
        '/code/raw/main/../../config',
        '/code/blob/main/escape-link/x',
        '/code/tree/main/%2e%2e/%2e%2e',
      ]) {
        const r = await get(p);
        expect(r.status, p).toBe(404);
      }
      const api = await get('/api/v1/repos/code/tree/nope');
      expect(api.status).toBe(404);
      expect(JSON.parse(api.body).error.code).toBe('not_found');
      expect((await get('/nope/tree/main')).status).toBe(404);
    });
  });

  describe('refs', () => {
    it('reads the longest ref prefix: a tag release/1.0 wins over branch release + path 1.0', async () => {
      const tag = await get('/code/tree/release/1.0');
      expect(tag.status).toBe(200);
      // The tag points at the first commit: no counter.txt there.
      expect(entryLinks(tag.body).map((l) => l.text)).not.toContain('counter.txt');
      const branch = await get('/code/tree/release');
      expect(entryLinks(branch.body).map((l) => l.text)).toContain('counter.txt');
      const feature = await get('/code/blob/feature/x/src/main.ts');
      expect(feature.status).toBe(200);
      expect(feature.body).toContain('43');
      const byId = await get(`/code/blob/${repo.commits[0].slice(0, 8)}/src/main.ts`);
      expect(byId.status).toBe(200);
    });

    it('the ref selector links every branch and tag to the same path, without script', async () => {
      const r = await get('/code/tree/main/src');
      const menu = r.body.slice(r.body.indexOf('<details class="refsel">'), r.body.indexOf('</details>'));
      expect(menu).toContain('href="/code/tree/feature/x/src"');
      expect(menu).toContain('href="/code/tree/release/1.0/src"');
      expect(r.body).not.toMatch(/<script/i);
      expect(r.headers['content-security-policy']).toContain("default-src 'none'");
    });

    it('a branch name that is markup stays text, and its pages open', async () => {
      const b = await get('/code/branches');
      expect(b.body).not.toContain('<img-src');
      expect(b.body).toContain('&quot;&gt;&lt;img-src=x-onerror=alert(1)&gt;');
      const href = `/code/tree/${encodeURIComponent(HOSTILE_BRANCH)}`;
      expect(b.body).toContain(`href="${href.replace(/&/g, '&amp;')}"`);
      const tree = await get(href);
      expect(tree.status).toBe(200);
      expect(tree.body).not.toContain('<img-src');
    });

    it('branches and tags pages list them', async () => {
      const b = await get('/code/branches');
      for (const n of ['main', 'feature/x', 'release']) expect(b.body).toContain(`href="/code/tree/${n}"`);
      expect(b.body).toContain('default');
      const t = await get('/code/tags');
      expect(t.body).toContain('href="/code/tree/release/1.0"');
    });
  });

  describe('files', () => {
    it('highlights source with line anchors', async () => {
      const r = await get('/code/blob/main/src/main.ts');
      expect(r.status).toBe(200);
      expect(r.body).toContain('<tr id="L1"><td class="ln"><a href="#L1">1</a>');
      expect(r.body).toContain('id="L6"');
      expect(r.body).not.toContain('id="L7"');
      expect(r.body).toMatch(/<span class="hljs-keyword">export<\/span>/);
      expect(r.body).toContain('&lt;b&gt;not bold&lt;/b&gt;');
      const range = await get('/code/blob/main/src/main.ts?lines=2-3');
      expect([...range.body.matchAll(/<tr id="L(\d+)" class="sel">/g)].map((m) => m[1])).toEqual(['2', '3']);
      const py = await get('/code/blob/main/src/util/strings.py');
      expect(py.body).toMatch(/hljs-keyword">def</);
    });

    it('renders Markdown with a switch to its source', async () => {
      const r = await get('/code/blob/main/README.md');
      expect(r.body).toContain('<strong>src/main.ts</strong>');
      expect(r.body).not.toContain(XSS);
      expect(r.body).toContain('href="/code/blob/main/README.md?plain=1"');
      const plain = await get('/code/blob/main/README.md?plain=1');
      expect(plain.body).toContain('id="L1"');
      expect(plain.body).toContain('**src/main.ts**');
    });

    it('shows images, offers binary and big files as downloads, describes links without following them', async () => {
      const img = await get('/code/blob/main/pixel.png');
      expect(img.body).toContain('<img src="/code/raw/main/pixel.png"');
      const bin = await get('/code/blob/main/bin.dat');
      expect(bin.body).toContain('This is a binary file.');
      expect(bin.body).toContain('href="/code/raw/main/bin.dat">Download');
      const big = await get('/code/blob/main/big.txt');
      expect(big.body).toContain('too large to show');
      const link = await get('/code/blob/main/escape-link');
      expect(link.body).toContain('Symbolic link to <code>../../../etc/passwd</code>');
      expect(link.body).not.toContain('root:');
    });
  });

  describe('raw', () => {
    it('serves text as text/plain with nosniff and a sandbox, never as HTML', async () => {
      const r = await bytes(server.url, '/code/raw/main/page.html');
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('content-security-policy')).toContain('sandbox');
      expect(r.body.toString()).toBe(PAGE_HTML);
    });

    it('serves binary, image and big files byte for byte as octet-stream', async () => {
      const bin = await bytes(server.url, '/code/raw/main/bin.dat');
      expect(bin.headers.get('content-type')).toBe('application/octet-stream');
      expect(bin.body.equals(BINARY)).toBe(true);
      expect((await bytes(server.url, '/code/raw/main/pixel.png')).body.equals(PNG)).toBe(true);
      const big = await bytes(server.url, '/code/raw/main/big.txt');
      expect(big.status).toBe(200);
      expect(big.body.length).toBe(BIG_SIZE);
      expect(big.body.subarray(0, 27).toString()).toBe('abcdefghijklmnopqrstuvwxyz\n');
      const invalid = await bytes(server.url, `/code/raw/main/${enc(NAMES.invalid)}`);
      expect(invalid.body.toString()).toBe('not utf-8 in the name\n');
      const link = await bytes(server.url, '/code/raw/main/escape-link');
      expect(link.body.toString()).toBe('../../../etc/passwd');
      expect((await bytes(server.url, '/code/raw/main/src')).status).toBe(404);
    });
  });

  describe('history and commits', () => {
    it('paginates history, newest first, and filters by path', async () => {
      const p1 = await get('/code/commits/main');
      expect(p1.status).toBe(200);
      expect(p1.body).toContain('Add a big file');
      expect(p1.body).toContain('href="/code/commits/main?page=2"');
      const p2 = await get('/code/commits/main?page=2');
      expect(p2.body).toContain('First commit');
      expect(p2.body).not.toContain('Add a big file');
      const guide = await get('/code/commits/main/docs/guide.md');
      const ids = [...guide.body.matchAll(/<a class="title" href="\/code\/commit\/([0-9a-f]{40})"/g)].map((m) => m[1]);
      expect(ids).toEqual([...repo.guideCommits].reverse());
      const api = JSON.parse((await get('/api/v1/repos/code/commits/main?perPage=5&page=2')).body);
      expect(api.commits.map((c: { hash: string }) => c.hash)).toEqual(repo.commits.slice().reverse().slice(5, 10));
      expect(api.hasMore).toBe(true);
    });

    it('one commit: message with bug ids linked, escaped text, a unified diff', async () => {
      const r = await get(`/code/commit/${repo.commits[10]}`);
      expect(r.status).toBe(200);
      expect(r.body).toContain('Count to 10');
      expect(r.body).toContain('<tr class="del"><td>-count 9</td></tr>');
      expect(r.body).toContain('<tr class="add"><td>+count 10</td></tr>');
      expect(r.body).toContain('<tr class="add"><td>+Revision 10.</td></tr>');
      const first = await get(`/code/commit/${repo.commits[0]}`);
      expect(first.body).toContain(`<a href="/code/bugs/${BUG_ID}">${BUG_ID}</a>`);
      expect(first.body).not.toContain(XSS);
      expect(first.body).toContain('new\\nline.txt');
    });

    it('a large diff is cut with a note', async () => {
      const r = await get(`/code/commit/${repo.bigCommit}`);
      expect(r.status).toBe(200);
      expect(r.body).toContain('it is cut');
      expect(r.body.length).toBeLessThan(3 * 1024 * 1024);
    });

    it('a short id redirects to the full one; an ambiguous one lists the candidates (409)', async () => {
      const short = await get(`/code/commit/${repo.commits[3].slice(0, 9)}`);
      expect(short.status).toBe(302);
      expect(short.headers.location).toBe(`/code/commit/${repo.commits[3]}`);
      const amb = await get(`/code/commit/${repo.twins.prefix}`);
      expect(amb.status).toBe(409);
      for (const id of repo.twins.ids) expect(amb.body).toContain(`href="/code/commit/${id}"`);
      const api = await get(`/api/v1/repos/code/commit/${repo.twins.prefix}`);
      expect(api.status).toBe(409);
      expect(JSON.parse(api.body).error.details.candidates.sort()).toEqual([...repo.twins.ids].sort());
      expect((await get('/code/commit/0000000000')).status).toBe(404);
      expect((await get('/code/commit/not-hex')).status).toBe(404);
    });
  });

  describe('JSON', () => {
    it('tree, blob metadata and commit', async () => {
      const tree = JSON.parse((await get('/api/v1/repos/code/tree/main')).body);
      expect(tree.commit).toBe(repo.commits.at(-1));
      const byName = new Map(tree.entries.map((e: { name: string }) => [e.name, e]));
      expect(byName.get('docs')).toMatchObject({ type: 'tree', path: 'docs' });
      expect(byName.get('escape-link')).toMatchObject({ type: 'symlink' });
      expect(byName.get('vendor')).toMatchObject({ type: 'tree' });
      expect(byName.get(NAMES.newline)).toMatchObject({ path: enc(NAMES.newline) });
      expect(tree.entries.find((e: { path: string }) => e.path === enc(NAMES.invalid))).toBeTruthy();
      const blob = JSON.parse((await get('/api/v1/repos/code/blob/main/src/main.ts')).body);
      expect(blob).toMatchObject({ type: 'blob', size: Buffer.byteLength(MAIN_TS), binary: false, name: 'main.ts' });
      const sub = JSON.parse((await get('/api/v1/repos/code/blob/main/vendor/lib')).body);
      expect(sub).toMatchObject({ type: 'submodule', oid: repo.submoduleCommit });
      const commit = JSON.parse((await get(`/api/v1/repos/code/commit/${repo.commits[10]}`)).body);
      expect(commit.parents).toEqual([repo.commits[9]]);
      expect(commit.files.map((f: { name: string }) => f.name).sort()).toEqual(['counter.txt', 'docs/guide.md']);
    });
  });

  describe('bounds', () => {
    it('every read holds a slot of the process limit: a full limit refuses more git', async () => {
      const limit = new ProcessLimit({ max: 1, queue: 0, waitMs: 100 });
      const t = { gitDir: repo.bare, limit };
      const reader = await ObjectReader.open(t);
      expect(limit.active).toBe(1);
      await expect(runBoundedGit(t, ['rev-parse', 'HEAD'], { maxBytes: 100 })).rejects.toBeInstanceOf(UnavailableError);
      reader.close();
      await new Promise((r) => setTimeout(r, 50));
      expect(limit.active).toBe(0);
      const r = await runBoundedGit(t, ['rev-parse', 'HEAD'], { maxBytes: 100 });
      expect(r.stdout.toString().trim()).toBe(repo.commits.at(-1));
    });

    it('output past the byte cap stops git and says so', async () => {
      const t = { gitDir: repo.bare, limit: new ProcessLimit() };
      const r = await runBoundedGit(t, ['cat-file', 'blob', `main:big.txt`], { maxBytes: 1000 });
      expect(r.truncated).toBe(true);
      expect(r.stdout.length).toBe(1000);
    });
  });

  describe('unusual repositories', () => {
    it('an empty repository and one with only bugs say there is no code, and 404 a named ref', async () => {
      for (const name of ['empty', 'bugsonly']) {
        const r = await get(`/${name}/tree`);
        expect(r.status, name).toBe(200);
        expect(r.body).toContain('No code here yet');
        expect((await get(`/${name}/tree/main`)).status).toBe(404);
        expect((await get(`/${name}/commits`)).status).toBe(404);
        expect((await get(`/${name}/branches`)).body).toContain('No branches yet');
      }
      expect((await get('/bugsonly/bugs')).body).toContain('only a bug');
    });

    it('a detached HEAD shows its commit; a HEAD naming no branch falls back to main', async () => {
      const det = await get('/detached/tree');
      expect(det.status).toBe(200);
      expect(entryLinks(det.body).map((l) => l.text)).not.toContain('counter.txt');
      const unborn = await get('/unborn/tree');
      expect(unborn.status).toBe(200);
      expect(entryLinks(unborn.body).map((l) => l.text)).toContain('counter.txt');
    });
  });
});
