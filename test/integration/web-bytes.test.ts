// What the web layer sends besides the page itself: compression by
// Accept-Encoding, ETags and 304, HEAD like GET on every route, the one
// cached stylesheet, the image policy an operator opts into, bug counts
// that open no cache, and a request log line naming repository and path.

import { Writable } from 'node:stream';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelColor, LABEL_PALETTE, contrastRatio, relativeLuminance } from '../../src/gitbug/label-color.js';
import { STYLE_HASH, STYLE_URL } from '../../src/web/pages/style.js';
import type { RunningServer } from '../../src/app.js';
import { buildFixture, metricValue, request, start, type Fixture } from './web-fixture.js';

let fx: Fixture;
let server: RunningServer;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  fx = await buildFixture(false);
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  server = await start(fx.dataDir, { logger: pino({ level: 'info' }, sink), imageHosts: ['img.example.com'] });
});
afterAll(async () => {
  await server?.close();
  fx?.remove();
});

const get = (path: string, headers: Record<string, string> = {}) => request(server.url, path, { headers });
const raw = (path: string, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const u = new URL(server.url);
    void import('node:http').then(({ default: http }) => {
      const req = http.get({ host: u.hostname, port: u.port, path, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
    });
  });

const ROUTES = ['/', '/group/app', '/group/app/bugs', '/gen/bugs?q=', '/api/v1/repos', '/api/v1/repos/gen/bugs', '/-/healthz', STYLE_URL];

describe('compression and caching', () => {
  it('compresses pages and API replies with brotli or gzip, as the client accepts, to the same bytes', async () => {
    for (const path of ['/gen/bugs?q=', '/api/v1/repos/gen/bugs?perPage=100']) {
      const plain = await raw(path);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers.vary).toBe('Accept-Encoding');
      const br = await raw(path, { 'Accept-Encoding': 'gzip, deflate, br' });
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.body.length).toBeLessThan(plain.body.length / 3);
      expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
      const gz = await raw(path, { 'Accept-Encoding': 'gzip' });
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
      // br;q=0 refuses brotli.
      expect((await raw(path, { 'Accept-Encoding': 'br;q=0, gzip' })).headers['content-encoding']).toBe('gzip');
      expect(Number(br.headers['content-length'])).toBe(br.body.length);
    }
  });

  it('answers 304 with no body to a matching If-None-Match, and 200 when the page changed', async () => {
    for (const path of ['/api/v1/repos/gen/bugs', '/gen/bugs', STYLE_URL]) {
      const first = await get(path);
      const etag = first.headers.etag!;
      expect(etag).toMatch(/^"[\w-]+"$/);
      const again = await get(path, { 'If-None-Match': etag });
      expect(again.status).toBe(304);
      expect(again.body).toBe('');
      expect(again.headers.etag).toBe(etag);
      expect((await get(path, { 'If-None-Match': `"other", W/${etag}` })).status).toBe(304);
      expect((await get(path, { 'If-None-Match': '"other"' })).status).toBe(200);
    }
    // Another page has another tag.
    const a = await get('/api/v1/repos/gen/bugs?page=1');
    const b = await get('/api/v1/repos/gen/bugs?page=2');
    expect(a.headers.etag).not.toBe(b.headers.etag);
    expect((await get('/api/v1/repos/gen/bugs?page=2', { 'If-None-Match': a.headers.etag! })).status).toBe(200);
  });

  it("sends a bug's JSON text compressed and with an ETag like any reply, one tag per bug", async () => {
    const [one, other] = fx.gen.bugs.map((b) => `/api/v1/repos/gen/bugs/${b.id}`);
    const plain = await raw(one);
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.body.toString('utf8')).id).toBe(fx.gen.bugs[0].id);
    for (const enc of ['br', 'gzip']) {
      const packed = await raw(one, { 'Accept-Encoding': enc });
      expect(packed.headers['content-encoding']).toBe(enc);
      expect((enc === 'br' ? brotliDecompressSync : gunzipSync)(packed.body).equals(plain.body)).toBe(true);
      expect(packed.headers.etag).toBe(plain.headers.etag);
    }
    const etag = String(plain.headers.etag);
    expect((await get(one, { 'If-None-Match': etag })).status).toBe(304);
    const second = await get(other, { 'If-None-Match': etag });
    expect(second.status).toBe(200);
    expect(second.headers.etag).not.toBe(etag);
  });

  it('serves the stylesheet once, cached for good under its hash; pages link it and inline none', async () => {
    const page = await get('/gen/bugs');
    expect(page.body).toContain(`<link rel="stylesheet" href="${STYLE_URL.replace('&', '&amp;')}">`);
    expect(page.body).not.toContain('<style');
    const css = await get(STYLE_URL);
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(css.body).toContain('.pill');
    // An old or missing hash still gets the stylesheet, revalidated each time.
    const stale = await get('/-/style.css?v=old');
    expect(stale.body).toBe(css.body);
    expect(stale.headers['cache-control']).toBe('no-cache');
    expect(STYLE_HASH).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe('HEAD', () => {
  it('answers like GET on every route: same status and headers, no body', async () => {
    for (const path of [
      ...ROUTES,
      '/nope',
      '/group/app/bugs?q=frobnicate%3Ayes',
      '/api/v1/repos/nope',
      `/group/app/bugs/${fx.app.hostileId}`,
      '/group/app.git',
      '/-/metrics',
      '/group/app/tree',
      '/group/app/blob/HEAD/README.md',
      '/group/app/raw/HEAD/README.md',
      '/group/app/commits',
      '/group/app/branches',
      '/group/app/tags',
    ]) {
      const g = await get(path);
      const h = await request(server.url, path, { method: 'HEAD' });
      expect(h.status, path).toBe(g.status);
      expect(h.body, path).toBe('');
      expect(h.headers['content-type'], path).toBe(g.headers['content-type']);
      if (g.status === 200 && path !== '/-/metrics') expect(h.headers.etag, path).toBe(g.headers.etag);
    }
    const info = await request(server.url, '/group/app.git/info/refs?service=git-upload-pack', { method: 'HEAD' });
    expect(info.status).toBe(200);
  });
});

describe('images in comments', () => {
  it('the page policy allows images from this server and the configured hosts only', async () => {
    const csp = String((await get(`/group/app/bugs/${fx.app.hostileId}`)).headers['content-security-policy']);
    const img = /img-src ([^;]*)/.exec(csp)![1].split(' ');
    expect(img).toEqual(["'self'", 'data:', 'img.example.com']);
    expect(csp).toContain("default-src 'none'");
  });

  it('by default no remote host at all', async () => {
    const plain = await start(fx.dataDir, { port: 0 });
    try {
      const csp = String((await request(plain.url, '/')).headers['content-security-policy']);
      expect(/img-src ([^;]*)/.exec(csp)![1]).toBe("'self' data:");
      expect(csp).not.toMatch(/https?:/);
    } finally {
      await plain.close();
    }
  });
});

describe('bug counts without a cache', () => {
  it('the index and the repository page count bugs from the refs, opening no worker', async () => {
    const opens = await metricValue(server, 'bugserve_cache_opens_total');
    const index = await get('/');
    expect(index.body).toMatch(/<a href="\/gen\/bugs\?q=">90 bugs<\/a>/);
    expect(index.body).toMatch(/<a href="\/group\/app\/bugs\?q=">4 bugs<\/a>/);
    expect(index.body).toMatch(/<a href="\/empty\/bugs\?q=">0 bugs<\/a>/);
    expect((await get('/gen')).body).toContain('90 bugs · Last updated');
    expect(await metricValue(server, 'bugserve_cache_opens_total')).toBe(opens);
  });
});

describe('label colours', () => {
  it("every colour of git-bug's palette gets text with a WCAG AA contrast ratio (4.5) or more", () => {
    for (const [r, g, b] of LABEL_PALETTE) {
      const l = relativeLuminance(r, g, b);
      expect(Math.max(contrastRatio(l, 0), contrastRatio(l, 1))).toBeGreaterThanOrEqual(4.5);
    }
    expect(labelColor('bug').text).toMatch(/^#(000000|ffffff)$/);
  });
});

describe('the request log', () => {
  it('names the repository and the path, not only the route pattern', async () => {
    await get('/group/app/bugs?q=status%3Aclosed');
    const line = logLines.findLast((l) => l.msg === 'request' && l.path === '/group/app/bugs');
    expect(line).toMatchObject({ method: 'GET', repo: 'group/app', route: '/{repo}/bugs', status: 200 });
    await get('/-/healthz');
    const health = logLines.findLast((l) => l.msg === 'request' && l.path === '/-/healthz');
    expect(health).toBeDefined();
    expect(health).not.toHaveProperty('repo');
  });
});
