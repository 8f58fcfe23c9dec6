// The JSON API against a real server over real bare repositories.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app.js';
import { RepoIndex } from '../../src/cache/repo-index.js';
import { openGitStore } from '../../src/git/open.js';
import { loadRepository } from '../../src/gitbug/load.js';

import { buildFixture, getJson, request, start, XSS, type Fixture } from './web-fixture.js';

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

const api = (path: string) => getJson(server.url, `/api/v1${path}`);
const EXCERPT_KEYS = ['author', 'comments', 'createdAt', 'editedAt', 'id', 'labels', 'status', 'title'];
const BUG_KEYS = [...EXCERPT_KEYS, 'actors', 'participants', 'timeline'].sort();
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

describe('repositories', () => {
  it('lists repositories with name, description and update time', async () => {
    const { status, json } = await api('/repos');
    expect(status).toBe(200);
    const names = json.map((r: any) => r.name);
    expect(names).toEqual(expect.arrayContaining(['damaged', 'empty', 'gen', 'group/app']));
    const app = json.find((r: any) => r.name === 'group/app');
    expect(Object.keys(app).sort()).toEqual(['description', 'name', 'updatedAt']);
    expect(app.description).toBe(`The app ${XSS}`);
    expect(app.updatedAt).toMatch(ISO);
    expect(server.cache.workerThreads()).toBe(0);
  });

  it('describes one repository', async () => {
    const { status, json } = await api('/repos/group/app');
    expect(status).toBe(200);
    expect(json.name).toBe('group/app');
  });
});

describe('bug lists', () => {
  it('reads a missing q as status:open and an empty q as every bug', async () => {
    const open = await api('/repos/group/app/bugs');
    expect(open.status).toBe(200);
    expect(open.json).toMatchObject({ total: 3, open: 3, closed: 1, page: 1, perPage: 50 });
    expect(open.json.bugs).toHaveLength(3);
    expect(open.json.bugs.every((b: any) => b.status === 'open')).toBe(true);

    const all = await api('/repos/group/app/bugs?q=');
    expect(all.json).toMatchObject({ total: 4, open: 3, closed: 1 });
  });

  it('returns excerpts of the documented shape', async () => {
    const { json } = await api('/repos/group/app/bugs?q=status:closed');
    expect(json.total).toBe(1);
    const b = json.bugs[0];
    // A closed bug says when it was closed (the newest status change).
    expect(Object.keys(b).sort()).toEqual([...EXCERPT_KEYS, 'closedAt'].sort());
    expect(Date.parse(b.closedAt)).toBe(1700000500 * 1000);
    expect(b.id).toBe(fx.app.hostileId);
    expect(b.title).toBe(`Crash ${XSS} v2`);
    expect(b.status).toBe('closed');
    expect(b.labels).toEqual(['<img src=x onerror=alert(3)>', 'bug']);
    expect(Object.keys(b.author).sort()).toEqual(['id', 'name']);
    expect(b.author.name).toBe(`Mallory ${XSS}`);
    expect(b.createdAt).toMatch(ISO);
    expect(b.comments).toBe(2);
  });

  it('pages with page and perPage', async () => {
    const { open } = fx.gen;
    const pages = Math.ceil(open / 7);
    const p1 = await api('/repos/gen/bugs?perPage=7&page=1');
    expect(p1.json).toMatchObject({ page: 1, perPage: 7, total: open });
    expect(p1.json.bugs).toHaveLength(7);
    const last = await api(`/repos/gen/bugs?perPage=7&page=${pages}`);
    expect(last.json.bugs).toHaveLength(open - (pages - 1) * 7);
    const seen: string[] = [];
    for (let page = 1; page <= pages; page++) {
      for (const b of (await api(`/repos/gen/bugs?perPage=7&page=${page}`)).json.bugs) seen.push(b.id);
    }
    expect(seen.sort()).toEqual(
      fx.gen.bugs
        .filter((b) => b.status === 'open')
        .map((b) => b.id)
        .sort(),
    );
  });

  it('agrees with the generator on every bug', async () => {
    const got = new Map<string, any>();
    for (let page = 1; got.size < fx.gen.bugs.length && page < 10; page++) {
      for (const b of (await api(`/repos/gen/bugs?q=&perPage=100&page=${page}`)).json.bugs) got.set(b.id, b);
    }
    for (const want of fx.gen.bugs) {
      const b = got.get(want.id);
      expect(b, want.id).toBeDefined();
      expect(b).toMatchObject({ title: want.title, status: want.status, labels: want.labels, comments: want.comments.length });
      expect(Date.parse(b.createdAt) / 1000).toBe(want.createdAt);
    }
  });

  it('includes the bugs that could not be read', async () => {
    const { json } = await api('/repos/damaged/bugs?q=');
    expect(json.total).toBe(1);
    expect(json.damaged).toHaveLength(1);
    expect(json.damaged[0]).toMatchObject({ id: fx.damaged.badId });
    expect(typeof json.damaged[0].reason).toBe('string');
  });
});

describe('one bug', () => {
  it('returns the documented bug shape', async () => {
    const { status, json } = await api(`/repos/group/app/bugs/${fx.app.hostileId.slice(0, 10)}`);
    expect(status).toBe(200);
    expect(Object.keys(json).sort()).toEqual(BUG_KEYS);
    expect(json.id).toBe(fx.app.hostileId);
    expect(json.comments).toHaveLength(2);
    expect(Object.keys(json.comments[0]).sort()).toEqual(['author', 'createdAt', 'edited', 'id', 'message']);
    expect(json.comments[0]).toMatchObject({ edited: true, message: `Edited **text** ${XSS}` });
    expect(json.participants).toHaveLength(2);
    expect(json.timeline.map((t: any) => t.type)).toEqual(['create', 'comment', 'title', 'labels', 'status']);
    expect(json.participants.every((id: string) => /^[0-9a-f]{64}$/.test(id))).toBe(true);
  });

  it('sends each bug as exactly the JSON of a from-scratch compile, byte for byte', async () => {
    const store = openGitStore(`${fx.reposDir}/gen.git`);
    const compiled = new RepoIndex(await loadRepository(store).finally(() => store.close()));
    for (const { id } of fx.gen.bugs) {
      const r = await request(server.url, `/api/v1/repos/gen/bugs/${id.slice(0, 12)}`);
      expect(r.status, id).toBe(200);
      expect(r.body, id).toBe(JSON.stringify(compiled.bug(id)));
    }
  });
});

describe('errors', () => {
  it('answers unknown repositories and bugs with 404 not_found', async () => {
    for (const path of ['/repos/nope', '/repos/nope/bugs', '/repos/group/app/bugs/0000000000', '/nothing']) {
      const { status, json } = await api(path);
      expect(status, path).toBe(404);
      expect(json.error.code, path).toBe('not_found');
      expect(typeof json.error.message).toBe('string');
    }
  });

  it('answers an ambiguous prefix with 409 and the candidates', async () => {
    const { status, json } = await api(`/repos/gen/bugs/${fx.gen.prefix}`);
    expect(status).toBe(409);
    expect(json.error.code).toBe('ambiguous_id');
    expect([...json.error.details.candidates].sort()).toEqual(fx.gen.matches);
  });

  it('answers bad queries and parameters with 400', async () => {
    const q = await api('/repos/group/app/bugs?q=status%3Amaybe');
    expect(q.status).toBe(400);
    expect(q.json.error.code).toBe('invalid_query');
    for (const bad of ['page=0', 'page=x', 'perPage=101', 'perPage=-1']) {
      const r = await api(`/repos/group/app/bugs?${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.json.error.code, bad).toBe('bad_request');
    }
  });

  it('answers a damaged bug with 500 damaged_data, and keeps serving', async () => {
    const { status, json } = await api(`/repos/damaged/bugs/${fx.damaged.badId}`);
    expect(status).toBe(500);
    expect(json.error.code).toBe('damaged_data');
    expect(json.error.message).toContain(fx.damaged.badId);
    expect((await api(`/repos/damaged/bugs/${fx.damaged.goodId}`)).status).toBe(200);
  });

  it('answers other methods with 405 and Allow', async () => {
    const r = await request(server.url, '/api/v1/repos', { method: 'DELETE' });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
    expect(JSON.parse(r.body).error.code).toBe('bad_request');
  });
});

describe('the real git-bug corpus', () => {
  it('counts 135 open and 286 closed of 421 bugs', async () => {
    const open = await api('/repos/corpus/bugs');
    expect(open.json).toMatchObject({ total: 135, open: 135, closed: 286 });
    const all = await api('/repos/corpus/bugs?q=&perPage=100&page=5');
    expect(all.json).toMatchObject({ total: 421, open: 135, closed: 286 });
    expect(all.json.bugs).toHaveLength(21);
    expect(all.json.damaged).toEqual([]);
  });

  it('returns full ids and ISO times', async () => {
    const { json } = await api('/repos/corpus/bugs?perPage=5');
    for (const b of json.bugs) {
      const one = await api(`/repos/corpus/bugs/${b.id.slice(0, 12)}`);
      expect(one.status).toBe(200);
      expect(one.json.id).toBe(b.id);
      expect(one.json.createdAt).toMatch(ISO);
      for (const c of one.json.comments) expect(c.createdAt).toMatch(ISO);
    }
  });
});
