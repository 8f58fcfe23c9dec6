// The HTML pages against a real server over real bare repositories.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/web/html.js';
import type { RunningServer } from '../../src/app.js';

import { buildFixture, metricValue, request, start, XSS, type Fixture } from './web-fixture.js';

const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';
let fx: Fixture;
let server: RunningServer;

beforeAll(async () => {
  fx = await buildFixture();
  server = await start(fx.dataDir);
});
afterAll(async () => {
  await server?.close();
  fx?.remove();
});

const get = (path: string) => request(server.url, path);
/** Rows of a bug list page. */
const rows = (body: string) => body.match(/<a class="title" href="[^"]*\/bugs\/[0-9a-f]{64}"/g) ?? [];

describe('repository index and overview', () => {
  it('lists every repository, groups included, without opening a cache', async () => {
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    for (const name of ['group/app', 'gen', 'damaged', 'empty']) expect(r.body).toContain(`href="/${name}"`);
    expect(r.body).toContain(`The app ${ESCAPED}`);
    expect(r.body).not.toContain(XSS);
    expect(server.cache.workerThreads()).toBe(0);
    expect(await metricValue(server, 'bugserve_cache_opens_total')).toBe(0);
  });

  it('shows the clone URL and the README, safely, without opening a cache', async () => {
    const r = await get('/group/app');
    expect(r.status).toBe(200);
    expect(r.body).toContain(`git clone ${server.url}/group/app.git`);
    // The README's own headings sit below the page's one <h1>, the repository name.
    expect(r.body).toContain('<h2>App readme</h2>');
    expect(r.body.match(/<h1[\s>]/g)).toHaveLength(1);
    expect(r.body).toContain(`Hello ${ESCAPED}`);
    expect(r.body).not.toContain(XSS);
    expect(r.body).not.toMatch(/href="javascript:/);
    expect(r.body).toContain('href="/group/app/bugs"');
    expect(await metricValue(server, 'bugserve_cache_opens_total')).toBe(0);
  });

  it('says when there is no README', async () => {
    const r = await get('/empty');
    expect(r.status).toBe(200);
    expect(r.body).toContain('has no README');
  });

  it('sends a browser at the clone URL to the repository page', async () => {
    const r = await get('/group/app.git');
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('/group/app');
  });
});

describe('bug list', () => {
  it('shows open bugs by default, newest first, with counts', async () => {
    const r = await get('/group/app/bugs');
    expect(r.status).toBe(200);
    expect(r.body).toContain('value="status:open"');
    expect(r.body).toMatch(/3 Open<\/a>/);
    expect(r.body).toMatch(/1 Closed<\/a>/);
    expect(r.body).toContain('3 matches');
    expect(rows(r.body)).toHaveLength(3);
    expect(r.body.indexOf('open bug 2')).toBeLessThan(r.body.indexOf('open bug 1'));
    expect(r.body).not.toContain('Crash');
    expect(r.body).not.toContain('class="pager"');
  });

  it('pages through a larger repository', async () => {
    const { open, closed } = fx.gen;
    const pages = Math.ceil(open / 25);
    expect(pages).toBeGreaterThan(1);
    const p1 = await get('/gen/bugs');
    expect(p1.body).toMatch(new RegExp(`${open} Open</a>`));
    expect(p1.body).toMatch(new RegExp(`${closed} Closed</a>`));
    expect(rows(p1.body)).toHaveLength(25);
    expect(p1.body).toContain(`Page 1 of ${pages}`);
    expect(p1.body).toContain('href="/gen/bugs?page=2"');
    const last = await get(`/gen/bugs?page=${pages}`);
    expect(last.status).toBe(200);
    expect(rows(last.body)).toHaveLength(open - (pages - 1) * 25);
    expect(last.body).toContain(`Page ${pages} of ${pages}`);
    const beyond = await get(`/gen/bugs?page=${pages + 1}`);
    expect(beyond.body).toContain(`Page ${pages + 1} is past the end: ${open} bugs match this query, on ${pages} pages.`);
    expect(beyond.body).not.toContain('Next');
    expect(beyond.body).toContain(`href="/gen/bugs?page=${pages}"`);
    // Every open bug appears exactly once across the pages.
    const seen: string[] = [];
    for (let p = 1; p <= pages; p++) {
      const body = (await get(`/gen/bugs?page=${p}`)).body;
      seen.push(...[...body.matchAll(/href="\/gen\/bugs\/([0-9a-f]{64})"/g)].map((m) => m[1]));
    }
    expect(seen.sort()).toEqual(
      fx.gen.bugs
        .filter((b) => b.status === 'open')
        .map((b) => b.id)
        .sort(),
    );
  });

  it('tells an empty q (every bug) from a missing one', async () => {
    const all = await get('/gen/bugs?q=');
    expect(all.status).toBe(200);
    expect(all.body).toContain('value=""');
    expect(all.body).toContain(`${fx.gen.bugs.length} matches`);
    expect(all.body).toContain('href="/gen/bugs?q=&amp;page=2"');
  });

  it('escapes titles, labels and names of closed bugs, and links tabs with the status swapped', async () => {
    const r = await get('/group/app/bugs?q=status%3Aclosed');
    expect(r.status).toBe(200);
    expect(rows(r.body)).toHaveLength(1);
    expect(r.body).toContain(`Crash ${ESCAPED} v2`);
    expect(r.body).toContain('&lt;img src=x onerror=alert(3)&gt;');
    expect(r.body).not.toContain(XSS);
    expect(r.body).not.toContain('<img src=x');
    expect(r.body).toContain(`>${fx.app.hostileId.slice(0, 7)}<`);
    expect(r.body).toContain('href="/group/app/bugs?q=status%3Aopen"');
    expect(r.body).toContain('value="status:closed"');
  });

  it('echoes a hostile query escaped', async () => {
    // Single quotes keep the query valid; the double quote tries to leave the value attribute.
    const r = await get(`/group/app/bugs?q=${encodeURIComponent(`'"><script>alert(1)</script>'`)}`);
    expect(r.status).toBe(200);
    expect(r.body).not.toContain('<script>alert(1)');
    expect(r.body).toContain('value="&#39;&quot;&gt;&lt;script&gt;');
    // A broken query is echoed in the 400 page, escaped too.
    const bad = await get(`/group/app/bugs?q=${encodeURIComponent('"><script>alert(1)</script>')}`);
    expect(bad.status).toBe(400);
    expect(bad.body).not.toContain('<script>alert(1)');
  });

  it('answers a bad query with a 400 page that keeps the search box, filled, to fix it', async () => {
    const r = await get('/group/app/bugs?q=frobnicate%3Ayes');
    expect(r.status).toBe(400);
    expect(r.body).toContain('This query cannot be read.');
    expect(r.body).toContain('frobnicate');
    expect(r.body).toMatch(/<input type="search" name="q" value="frobnicate:yes"[^>]*aria-invalid="true"/);
    expect(r.body.match(/<h1[\s>]/g)).toHaveLength(1);
    // An unknown repository is still a 404, whatever the query.
    expect((await get('/nope/bugs?q=frobnicate%3Ayes')).status).toBe(404);
  });

  it('shows the bugs that could not be read', async () => {
    const r = await get('/damaged/bugs?q=');
    expect(r.status).toBe(200);
    expect(rows(r.body)).toHaveLength(1);
    expect(r.body).toContain('1 bug could not be read');
    expect(r.body).toContain(`title="${fx.damaged.badId}"`);
  });

  it('shows an empty repository as having no bugs', async () => {
    const r = await get('/empty/bugs');
    expect(r.status).toBe(200);
    expect(r.body).toContain('No bugs match this query.');
  });
});

describe('bug page', () => {
  it('links the author and each label to the list filtered by them', async () => {
    const r = await get(`/group/app/bugs/${fx.app.openIds[0]}`);
    expect(r.status).toBe(200);
    expect(r.body).toContain(`href="/group/app/bugs?q=${encodeURIComponent('author:"Bob Builder"')}"`);
    const closed = await get(`/group/app/bugs/${fx.app.hostileId}`);
    expect(closed.body).toContain(`href="/group/app/bugs?q=${encodeURIComponent('label:bug')}"`);
  });

  it('shows the timeline with every event, safely', async () => {
    const r = await get(`/group/app/bugs/${fx.app.hostileId.slice(0, 8)}`);
    expect(r.status).toBe(200);
    const b = r.body;
    expect(b).not.toContain(XSS);
    expect(b).not.toMatch(/href="javascript:/);
    expect(b).toContain(`Crash ${ESCAPED} v2`);
    expect(b).toMatch(/<span class="badge closed">.*Closed<\/span>/);
    expect(b).toContain(`Mallory ${ESCAPED}`);
    expect(b).toContain('Bob Builder');
    expect(b).toContain(`Edited <strong>text</strong> ${ESCAPED}`);
    expect(b).toContain('· edited');
    expect(b).toContain('edited 1 time');
    expect(b).toContain(`First <strong>draft</strong> ${ESCAPED}`);
    expect(b).toContain(`changed the title from <del>Crash ${ESCAPED}</del> to <strong>Crash ${ESCAPED} v2</strong>`);
    expect(b).toMatch(/added <span class="pill"[^>]*>bug<\/span>/);
    expect(b).toContain('closed this bug');
    expect(b).toContain('<code>code</code>');
    expect(b).toContain('2 participants');
  });

  it('answers unknown repositories and bugs with 404 pages', async () => {
    for (const path of ['/nope', '/nope/bugs', '/group/nope/bugs/abc', '/group/app/bugs/0000000000', '/-/nothing']) {
      const r = await get(path);
      expect(r.status, path).toBe(404);
      expect(r.body, path).toContain('Not found');
    }
    const r = await get('/group/app/bugs/0000000');
    expect(r.body).toContain('0000000');
    expect(r.body).toContain('Back to group/app');
  });

  it('lists the bugs an ambiguous prefix matches, with links', async () => {
    const r = await get(`/gen/bugs/${fx.gen.prefix}`);
    expect(r.status).toBe(409);
    expect(r.body).toContain(`matches ${fx.gen.matches.length} bugs`);
    for (const id of fx.gen.matches) {
      expect(r.body).toContain(`href="/gen/bugs/${id}"`);
      expect(r.body).toContain(escapeHtml(fx.gen.bugs.find((b) => b.id === id)!.title));
    }
  });

  it('names the problem of a damaged bug, and the rest keeps working', async () => {
    const r = await get(`/damaged/bugs/${fx.damaged.badId}`);
    expect(r.status).toBe(500);
    expect(r.body).toContain('damaged');
    expect(r.body).toContain(fx.damaged.badId);
    expect((await get(`/damaged/bugs/${fx.damaged.goodId}`)).status).toBe(200);
    expect((await get('/')).status).toBe(200);
    expect((await get('/group/app/bugs')).status).toBe(200);
  });
});

describe('the real git-bug corpus', () => {
  it('counts open and closed bugs and pages through them', async () => {
    const r = await get('/corpus/bugs');
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/135 Open<\/a>/);
    expect(r.body).toMatch(/286 Closed<\/a>/);
    expect(r.body).toContain('Page 1 of 6');
    const closed = await get('/corpus/bugs?q=status%3Aclosed&page=12');
    expect(closed.body).toContain('Page 12 of 12');
    expect(rows(closed.body)).toHaveLength(286 - 11 * 25);
    const all = await get('/corpus/bugs?q=&page=17');
    expect(rows(all.body)).toHaveLength(421 - 16 * 25);
  });

  it('renders every bug of the first page', async () => {
    const list = await get('/corpus/bugs?q=sort%3Aedit');
    const ids = [...list.body.matchAll(/href="\/corpus\/bugs\/([0-9a-f]{64})"/g)].map((m) => m[1]);
    expect(ids).toHaveLength(25);
    for (const id of ids) {
      const r = await get(`/corpus/bugs/${id.slice(0, 7)}`);
      expect(r.status, id).toBe(200);
      expect(r.body).toContain(`title="${id}"`);
    }
  });
});

describe('health and metrics', () => {
  it('answers /-/healthz', async () => {
    const r = await get('/-/healthz');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ status: 'ok' });
  });

  it('exports request durations by route pattern, cache and process metrics', async () => {
    await get('/gen/bugs?page=2');
    const r = await get('/-/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain');
    expect(r.body).toMatch(/bugserve_http_request_duration_seconds_count\{[^}]*route="\/\{repo\}\/bugs"/);
    expect(r.body).toMatch(/bugserve_http_request_duration_seconds_count\{[^}]*route="\/\{repo\}\/bugs\/\{id\}"/);
    expect(r.body).not.toContain('route="/group/app');
    expect(r.body).toContain('bugserve_cache_opens_total');
    expect(r.body).toContain('process_cpu_user_seconds_total');
  });
});
