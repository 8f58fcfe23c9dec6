import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError } from '../../src/errors.js';
import { listRepos, repoDir, repoExists, repoSummary } from '../../src/git/repo-path.js';

let root: string;
let reposDir: string;

function bare(name: string): string {
  const dir = path.join(reposDir, name + '.git');
  execFileSync('git', ['init', '--quiet', '--bare', dir]);
  return dir;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bugserve-repopath-'));
  reposDir = path.join(root, 'repos');
  await mkdir(reposDir);
  bare('alpha');
  const beta = bare('group/beta');
  await writeFile(path.join(beta, 'description'), 'Beta: the <b>second</b> one\n');
  bare('group/sub/gamma');
  // Not repositories: a plain folder, a folder named like a repo without git inside, a file.
  await mkdir(path.join(reposDir, 'empty-group'));
  await mkdir(path.join(reposDir, 'fake.git'));
  await writeFile(path.join(reposDir, 'note.git'), 'not a dir');
  // A repository right next to reposDir, which hostile names try to reach.
  execFileSync('git', ['init', '--quiet', '--bare', path.join(root, 'secret.git')]);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('repoDir', () => {
  it('maps names, groups included, inside reposDir', () => {
    expect(repoDir(reposDir, 'alpha')).toBe(path.join(reposDir, 'alpha.git'));
    expect(repoDir(reposDir, 'group/sub/gamma')).toBe(path.join(reposDir, 'group', 'sub', 'gamma.git'));
    expect(repoDir(reposDir, 'a.b_c-d')).toBe(path.join(reposDir, 'a.b_c-d.git'));
  });

  it.each([
    '',
    '..',
    '../secret',
    'group/../../secret',
    'group/..',
    './alpha',
    'group/./beta',
    'group//beta',
    '/etc/passwd',
    '/alpha',
    'alpha/',
    'a\\b',
    '..\\secret',
    'C:\\x',
    'a\u0000b',
    'a\nb',
    'a\u007fb',
    'group%2F..%2Fsecret',
    '%2e%2e',
    'a b',
    '-flag',
    '.hidden',
    'x.git/y',
    'ünïcode',
    'a'.repeat(201),
    Array(10).fill('a').join('/'),
  ])('rejects %j with BadRequestError', (name) => {
    expect(() => repoDir(reposDir, name)).toThrow(BadRequestError);
  });
});

describe('repoExists', () => {
  it('is true for bare repositories only', () => {
    expect(repoExists(reposDir, 'alpha')).toBe(true);
    expect(repoExists(reposDir, 'group/beta')).toBe(true);
    expect(repoExists(reposDir, 'group')).toBe(false);
    expect(repoExists(reposDir, 'fake')).toBe(false);
    expect(repoExists(reposDir, 'note')).toBe(false);
    expect(repoExists(reposDir, 'missing')).toBe(false);
  });

  it('never reaches outside reposDir and never throws for hostile names', () => {
    expect(repoExists(reposDir, '../secret')).toBe(false);
    expect(repoExists(reposDir, 'group/../../secret')).toBe(false);
    expect(repoExists(reposDir, '/' + path.join(root, 'secret'))).toBe(false);
  });
});

describe('listRepos', () => {
  it('finds every bare repository with groups, sorted, with descriptions', async () => {
    const repos = await listRepos(reposDir);
    expect(repos.map((r) => r.name)).toEqual(['alpha', 'group/beta', 'group/sub/gamma']);
    expect(repos[0].description).toBe(''); // git's default text is not shown
    expect(repos[1].description).toBe('Beta: the <b>second</b> one');
    for (const r of repos) expect(new Date(r.updatedAt).toISOString()).toBe(r.updatedAt);
  });

  it('dates a repository by its newest ref change', async () => {
    const dir = repoDir(reposDir, 'alpha');
    const old = new Date('2020-01-02T03:04:05Z');
    for (const f of ['HEAD', 'refs', 'refs/heads', 'refs/tags']) await utimes(path.join(dir, f), old, old);
    expect((await repoSummary(reposDir, 'alpha'))!.updatedAt).toBe('2020-01-02T03:04:05.000Z');
    await mkdir(path.join(dir, 'refs', 'bugs'));
    await utimes(path.join(dir, 'refs'), old, old);
    const newer = new Date('2023-06-07T08:09:10Z');
    await utimes(path.join(dir, 'refs', 'bugs'), newer, newer);
    expect((await repoSummary(reposDir, 'alpha'))!.updatedAt).toBe('2023-06-07T08:09:10.000Z');
  });

  it('is empty for a missing folder', async () => {
    expect(await listRepos(path.join(root, 'nope'))).toEqual([]);
  });
});
