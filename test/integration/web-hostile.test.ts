// Hostile requests: path traversal in every spelling, malformed encoding,
// oversized input. Each gets a 4xx, the server keeps answering, and the bare
// repository placed right next to DATA/repos is never served.

import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app.js';
import { smallRepo } from '../helpers/git-bug-writer.js';
import { buildFixture, metricValue, request, start, XSS, type Fixture } from './web-fixture.js';

let fx: Fixture;
let server: RunningServer;

beforeAll(async () => {
  fx = await buildFixture(false);
  // Outside reposDir: DATA/secret.git and DATA/repos-secret.git (a prefix sibling).
  smallRepo(`${fx.dataDir}/secret.git`, 3, () => 'SECRET BUG');
  smallRepo(`${fx.dataDir}/repos-secret.git`, 3, () => 'SECRET BUG');
  server = await start(fx.dataDir);
});
afterAll(async () => {
  await server?.close();
  fx?.remove();
});

/** Sends bytes exactly as written, for request lines no HTTP client would produce. */
function rawRequest(line: string): Promise<string> {
  const u = new URL(server.url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port), u.hostname, () => {
      sock.write(`${line}\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    sock.on('data', (c) => (data += c.toString('latin1')));
    sock.on('end', () => resolve(data));
    sock.on('error', reject);
  });
}

const TRAVERSALS = [
  '/../secret/bugs',
  '/..%2Fsecret/bugs',
  '/%2e%2e/secret/bugs',
  '/%2E%2E/secret/bugs?q=',
  '/group/..%2F..%2Fsecret/bugs',
  '/group/%2e%2e/%2e%2e/secret/bugs',
  '/..%5Csecret/bugs',
  '/..\\secret/bugs',
  '/%2Fetc%2Fpasswd/bugs',
  '//etc/passwd',
  '/./group/app/bugs',
  '/group/./app/bugs',
  '/group//app/bugs',
  '/a%00b/bugs',
  '/a%0Ab/bugs',
  '/a%7Fb/bugs',
  '/%252e%252e/secret/bugs',
  '/..%252Fsecret/bugs',
  '/../repos-secret/bugs',
  '/%C0%AE%C0%AE/secret/bugs',
  '/api/v1/repos/../secret/bugs?q=',
  '/api/v1/repos/..%2Fsecret/bugs',
  '/api/v1/repos/%2e%2e/secret/bugs/0',
  '/api/v1/repos/..',
  '/../secret.git/info/refs?service=git-upload-pack',
  '/%2e%2e/secret.git/info/refs?service=git-upload-pack',
  '/group/..%2F..%2Fsecret.git/info/refs',
  '/..',
  '/%2e%2e',
];

describe('path traversal', () => {
  it.each(TRAVERSALS)('%s gets a 4xx and nothing secret', async (path) => {
    const r = await request(server.url, path);
    expect(r.status, r.body.slice(0, 200)).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.body).not.toContain('SECRET');
  });

  it('never opened a cache for any of them', async () => {
    for (const path of TRAVERSALS) await request(server.url, path);
    expect(await metricValue(server, 'bugserve_cache_opens_total')).toBe(0);
    expect(server.cache.workerThreads()).toBe(0);
  });

  it('lists no repository outside reposDir', async () => {
    const r = await request(server.url, '/api/v1/repos');
    const names = JSON.parse(r.body).map((x: { name: string }) => x.name);
    expect(names).not.toContain('secret');
    expect(names).not.toContain('repos-secret');
  });

  it('rejects traversal written raw on the request line', async () => {
    for (const line of ['GET /../secret/bugs HTTP/1.1', 'GET /group/../../secret/bugs HTTP/1.1']) {
      const reply = await rawRequest(line);
      expect(reply).toMatch(/^HTTP\/1\.1 4\d\d/);
      expect(reply).not.toContain('SECRET');
    }
  });
});

describe('malformed and oversized input', () => {
  it('answers malformed percent-encoding with 400', async () => {
    for (const path of ['/%zz', '/group/app/bugs?q=%E0%A4%A', '/group/app/bugs?q=%', '/api/v1/repos/%G1/bugs', '/group/%C3%28/bugs']) {
      const r = await request(server.url, path);
      expect(r.status, path).toBe(400);
    }
    const api = await request(server.url, '/api/v1/repos/%zz/bugs');
    expect(JSON.parse(api.body).error.code).toBe('bad_request');
  });

  it('answers an oversized URL with 414 and a long query with 400', async () => {
    const long = await request(server.url, '/group/app/bugs?x=' + 'a'.repeat(9000));
    expect(long.status).toBe(414);
    const q = await request(server.url, '/group/app/bugs?q=' + 'a'.repeat(1100));
    expect(q.status).toBe(400);
    expect(q.body).toContain('longer than 1024');
    // Beyond Node's header limit the connection answers 431 itself.
    const huge = await request(server.url, '/' + 'a'.repeat(20_000)).catch(() => ({ status: 431 }));
    expect(huge.status).toBeGreaterThanOrEqual(400);
    expect(huge.status).toBeLessThan(500);
  });

  it('answers other methods on pages with 405', async () => {
    const r = await request(server.url, '/group/app/bugs', { method: 'POST' });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
  });

  it('serves HEAD without a body', async () => {
    const r = await request(server.url, '/', { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
  });

  it('uses the listen address in the clone URL when the Host header is hostile', async () => {
    const r = await request(server.url, '/group/app', { headers: { Host: 'evil"><script>x</script>' } });
    expect(r.status).toBe(200);
    expect(r.body).not.toContain('<script>x');
    expect(r.body).toContain(`git clone ${server.url}/group/app.git`);
  });

  it('sends security headers with pages', async () => {
    const r = await request(server.url, '/');
    expect(r.headers['content-security-policy']).toContain("default-src 'none'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('still answers normally after all of that', async () => {
    expect((await request(server.url, '/group/app/bugs')).status).toBe(200);
    expect((await request(server.url, '/-/healthz')).status).toBe(200);
  });
});

describe('a bug with HTML and script in its text', () => {
  it('the API sends the text as it is, as JSON; the page of the same bug escapes it', async () => {
    const path = `/group/app/bugs/${fx.app.hostileId.slice(0, 10)}`;
    // Twice around: the page and the API share the cache's one reply for the bug.
    for (let round = 0; round < 2; round++) {
      const api = await request(server.url, `/api/v1/repos${path}`);
      expect(api.status).toBe(200);
      expect(api.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(api.headers['x-content-type-options']).toBe('nosniff');
      const bug = JSON.parse(api.body);
      expect(bug.id).toBe(fx.app.hostileId);
      expect(bug.title).toBe(`Crash ${XSS} v2`);
      expect(bug.comments.map((c: { message: string }) => c.message)).toEqual([
        `Edited **text** ${XSS}`,
        'A comment with [bad](javascript:alert(2)) and `code`',
      ]);
      expect(bug.labels).toContain('<img src=x onerror=alert(3)>');

      const page = await request(server.url, path);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain(`Edited <strong>text</strong> &lt;script&gt;alert(1)&lt;/script&gt;`);
      expect(page.body).not.toContain(XSS);
      expect(page.body).not.toContain('<img src=x');
      expect(page.body).not.toMatch(/href="javascript:/);
    }
  });
});

describe('repository names', () => {
  it('a repository named like a route segment is reached by the longest match', async () => {
    smallRepo(`${fx.reposDir}/group/app/bugs.git`, 1, () => 'the bugs repo');
    const overview = await request(server.url, '/group/app/bugs');
    expect(overview.status).toBe(200);
    expect(overview.body).toContain('git clone');
    const list = await request(server.url, '/group/app/bugs/bugs?q=');
    expect(list.body).toContain('the bugs repo');
    execFileSync('rm', ['-rf', `${fx.reposDir}/group/app/bugs.git`]);
    expect((await request(server.url, '/group/app/bugs')).body).toContain('open bug');
  });
});
