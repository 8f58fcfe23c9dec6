// The JSON API against a real server over real bare repositories.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/web/server.js';
import { corpusAvailable } from '../helpers/corpus.js';
import { buildFixture, getJson, request, start, XSS, type Fixture } from './web-fixture.js';

let fx: Fixture;
let server: RunningServer;

beforeAll(async () => {
  fx = buildFixture();
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
    expect(names).toEqual(expect.arrayContaining(['ambig', 'damaged', 'empty', 'group/app']));
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
    expect(open.json).toMatchObject({ total: 30, open: 30, closed: 1, page: 1, perPage: 50 });
    expect(open.json.bugs).toHaveLength(30);
    expect(open.json.bugs.every((b: any) => b.status === 'open')).toBe(true);

    const all = await api('/repos/group/app/bugs?q=');
    expect(all.json).toMatchObject({ total: 31, open: 30, closed: 1 });
  });

  it('returns excerpts of the documented shape', async () => {
    const { json } = await api('/repos/group/app/bugs?q=status:closed');
    expect(json.total).toBe(1);
    const b = json.bugs[0];
    expect(Object.keys(b).sort()).toEqual(EXCERPT_KEYS);
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
    const p1 = await api('/repos/group/app/bugs?perPage=7&page=1');
    const p5 = await api('/repos/group/app/bugs?perPage=7&page=5');
    expect(p1.json.bugs).toHaveLength(7);
    expect(p5.json.bugs).toHaveLength(2);
    expect(p5.json).toMatchObject({ page: 5, perPage: 7, total: 30 });
    const seen = new Set<string>();
    for (let page = 1; page <= 5; page++) {
      for (const b of (await api(`/repos/group/app/bugs?perPage=7&page=${page}`)).json.bugs) seen.add(b.id);
    }
    expect(seen).toEqual(new Set(fx.app.openIds));
  });

  it('includes the bugs that could not be read', async () => {
    const { json } = await api('/repos/damaged/bugs?q=');
    expect(json.total).toBe(2);
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
    const { status, json } = await api(`/repos/ambig/bugs/${fx.ambig.prefix}`);
    expect(status).toBe(409);
    expect(json.error.code).toBe('ambiguous_id');
    expect([...json.error.details.candidates].sort()).toEqual(fx.ambig.matches);
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
    expect((await api(`/repos/damaged/bugs/${fx.damaged.goodIds[1]}`)).status).toBe(200);
  });

  it('answers other methods with 405 and Allow', async () => {
    const r = await request(server.url, '/api/v1/repos', { method: 'DELETE' });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
    expect(JSON.parse(r.body).error.code).toBe('bad_request');
  });
});

describe.skipIf(!corpusAvailable)('the real git-bug corpus', () => {
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
