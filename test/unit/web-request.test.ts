import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../src/errors.js';
import { UriTooLongError } from '../../src/web/errors.js';
import { parseTarget, readCount, readQ } from '../../src/web/request.js';
import { matchRoute } from '../../src/web/router.js';

describe('parseTarget', () => {
  it('decodes segments one by one and ignores one trailing slash', () => {
    expect(parseTarget('/group/my%20app/bugs/').segments).toEqual(['group', 'my app', 'bugs']);
    expect(parseTarget('/').segments).toEqual([]);
    expect(parseTarget('http://example.com/a/b?q=1').segments).toEqual(['a', 'b']);
  });

  it('tells a missing q from an empty one', () => {
    expect(readQ(parseTarget('/r/bugs'))).toBeUndefined();
    expect(readQ(parseTarget('/r/bugs?q='))).toBe('');
    expect(readQ(parseTarget('/r/bugs?q'))).toBe('');
    expect(readQ(parseTarget('/r/bugs?q=label%3Ax+status:closed'))).toBe('label:x status:closed');
    expect(readQ(parseTarget('/r/bugs?q=a&q=b'))).toBe('a');
  });

  it('rejects malformed percent-encoding, encoded slashes and oversized input', () => {
    expect(() => parseTarget('/r/%zz')).toThrow(BadRequestError);
    expect(() => parseTarget('/r/bugs?q=%E0%A4%A')).toThrow(BadRequestError);
    expect(() => parseTarget('/a%2F..%2Fb/bugs')).toThrow(/encoded "\/"/);
    expect(() => parseTarget('/' + 'a'.repeat(9000))).toThrow(UriTooLongError);
    expect(() => parseTarget('*')).toThrow(BadRequestError);
    expect(() => readQ(parseTarget('/r/bugs?q=' + 'x'.repeat(1025)))).toThrow(BadRequestError);
  });

  it('reads page numbers strictly', () => {
    expect(readCount(parseTarget('/?page=3'), 'page', 1, 100)).toBe(3);
    expect(readCount(parseTarget('/'), 'page', 1, 100)).toBe(1);
    for (const bad of ['0', '-1', '1.5', 'two', '101', '1e3']) {
      expect(() => readCount(parseTarget(`/?page=${bad}`), 'page', 1, 100)).toThrow(BadRequestError);
    }
  });
});

describe('matchRoute', () => {
  const repos = new Set(['app', 'group/app', 'group/app/bugs', 'bugs']);
  const exists = (name: string) => repos.has(name);
  const route = (p: string) => matchRoute(parseTarget(p).segments, exists);

  it('routes fixed paths', async () => {
    expect(await route('/')).toEqual({ kind: 'index' });
    expect(await route('/-/healthz')).toEqual({ kind: 'healthz' });
    expect(await route('/-/metrics')).toEqual({ kind: 'metrics' });
    expect(await route('/-/nope')).toEqual({ kind: 'not-found' });
    expect(await route('/api/v1/repos')).toEqual({ kind: 'api-repos' });
    // Only /api/v1 is the API; anything else reads as a repository path.
    expect(await route('/api/v2/repos')).toEqual({ kind: 'repo', repo: 'api/v2/repos' });
    expect(await route('/api/v1/other')).toEqual({ kind: 'not-found' });
  });

  it('reads repository names with groups', async () => {
    expect(await route('/app')).toEqual({ kind: 'repo', repo: 'app' });
    expect(await route('/app/bugs')).toEqual({ kind: 'bugs', repo: 'app' });
    expect(await route('/app/bugs/abc123')).toEqual({ kind: 'bug', repo: 'app', id: 'abc123' });
    expect(await route('/group/app/bugs/abc')).toEqual({ kind: 'bug', repo: 'group/app', id: 'abc' });
    expect(await route('/api/v1/repos/app/bugs')).toEqual({ kind: 'api-bugs', repo: 'app' });
    expect(await route('/api/v1/repos/group/app/bugs')).toEqual({ kind: 'api-repo', repo: 'group/app/bugs' });
    expect(await route('/api/v1/repos/group/app/bugs/ab')).toEqual({ kind: 'api-bug', repo: 'group/app', id: 'ab' });
    expect(await route('/api/v1/repos/group/app')).toEqual({ kind: 'api-repo', repo: 'group/app' });
  });

  it('lets the longest existing repository win', async () => {
    // "group/app/bugs" is a repository: its overview, not group/app's bug list.
    expect(await route('/group/app/bugs')).toEqual({ kind: 'repo', repo: 'group/app/bugs' });
    expect(await route('/group/app/bugs/bugs')).toEqual({ kind: 'bugs', repo: 'group/app/bugs' });
    // A repository called "bugs" works too.
    expect(await route('/bugs')).toEqual({ kind: 'repo', repo: 'bugs' });
    expect(await route('/bugs/bugs/1234')).toEqual({ kind: 'bug', repo: 'bugs', id: '1234' });
  });

  it('keeps the most specific reading for unknown repositories', async () => {
    expect(await route('/nope/bugs')).toEqual({ kind: 'bugs', repo: 'nope' });
    expect(await route('/nope/bugs/12')).toEqual({ kind: 'bug', repo: 'nope', id: '12' });
    expect(await route('/a/b/c')).toEqual({ kind: 'repo', repo: 'a/b/c' });
  });

  it('sends *.git paths to git smart HTTP', async () => {
    expect(await route('/group/app.git/info/refs')).toEqual({ kind: 'git', repo: 'group/app', path: '/info/refs' });
    expect(await route('/app.git')).toEqual({ kind: 'git', repo: 'app', path: '' });
  });

  it('never looks up names that fail validation', async () => {
    const asked: string[] = [];
    const spy = (n: string) => {
      asked.push(n);
      return false;
    };
    const r = await matchRoute(['..', 'bugs'], spy);
    expect(r).toEqual({ kind: 'bugs', repo: '..' });
    expect(asked).toEqual([]);
  });
});
