// Refs read from the files (packed-refs, then loose files) list exactly what
// `git for-each-ref` lists, in its order, whatever mix of packed and loose
// refs a push or git's maintenance leaves; and so do an open's listings cut
// into catalog shards, which reuse what they derived from a packed-refs file
// until git rewrites it.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CatFileStore } from '../../src/git/cat-file.js';
import { IsomorphicStore } from '../../src/git/isomorphic.js';
import { readRefFiles } from '../../src/git/ref-files.js';
import { bugRefsOf, listRefs, shardRefs } from '../../src/index/listed-refs.js';
import { git, tempDir } from '../helpers/git-bug-writer.js';

const tmp = tempDir('bugserve-ref-files-');
afterAll(() => tmp.remove());

let made = 0;
function bareRepo(): { repo: string; commit: string } {
  const repo = join(tmp.path, `r${made++}.git`);
  execFileSync('git', ['init', '--bare', '-q', repo]);
  const tree = git(repo, ['mktree'], '');
  const commit = git(repo, ['commit-tree', tree, '-m', 'x']);
  return { repo, commit };
}

const id = (n: number) => n.toString(16).padStart(2, '0').repeat(32);

function forEachRef(repo: string): [string, string][] {
  const out = git(repo, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/bugs/']);
  return out ? out.split('\n').map((l) => l.split(' ') as [string, string]) : [];
}

describe('refs read from the files', () => {
  it('match git for-each-ref: packed, loose, loose over packed, new loose names among packed ones', async () => {
    const { repo, commit } = bareRepo();
    const other = git(repo, ['commit-tree', git(repo, ['mktree'], ''), '-m', 'y']);
    for (const n of [0x10, 0x30, 0x50, 0x70, 0x90]) git(repo, ['update-ref', `refs/bugs/${id(n)}`, commit]);
    git(repo, ['update-ref', 'refs/identities/' + id(1), commit]);
    git(repo, ['pack-refs', '--all']);
    // The isomorphic-git backend lists them through the same merge.
    const store = new IsomorphicStore(repo);
    const catFile = new CatFileStore(repo);
    const check = async (step: string) => {
      const truth = forEachRef(repo);
      expect([...readRefFiles(repo, 'refs/bugs/')!], step).toEqual(truth);
      expect([...(await store.listRefs('refs/bugs/'))], `${step}, isomorphic-git`).toEqual(truth);
      // Past the racy window, so the parse of packed-refs (and its shards) is kept and reused.
      await new Promise((r) => setTimeout(r, 30));
      for (const round of ['first', 'again']) {
        const listed = await listRefs(catFile);
        expect([...bugRefsOf(listed)], `${step}, shards, ${round}`).toEqual(truth);
        expect(listed.digests, `${step}, digests, ${round}`).toEqual(shardRefs(new Map(truth)).digests);
      }
    };
    await check('all packed');
    // A push: a packed ref moves (loose over packed), new refs land before, between and after the packed ones.
    git(repo, ['update-ref', `refs/bugs/${id(0x50)}`, other]);
    for (const n of [0x05, 0x40, 0x41, 0xf0]) git(repo, ['update-ref', `refs/bugs/${id(n)}`, other]);
    await check('packed and loose');
    git(repo, ['update-ref', '-d', `refs/bugs/${id(0x05)}`]);
    await check('a loose ref deleted');
    // git rewrites packed-refs: what was derived from the old file must not be reused.
    git(repo, ['update-ref', '-d', `refs/bugs/${id(0x10)}`]);
    await check('a packed ref deleted');
    git(repo, ['pack-refs', '--all']);
    await check('packed again');
    git(repo, ['update-ref', `refs/bugs/${id(0x30)}`, commit]);
    git(repo, ['pack-refs', '--all']);
    await check('a packed ref moved and packed');
    await catFile.close();
  });

  it('match git for-each-ref with loose refs only, in name order', () => {
    const { repo, commit } = bareRepo();
    for (const n of [0xc0, 0x01, 0x7f, 0x33]) git(repo, ['update-ref', `refs/bugs/${id(n)}`, commit]);
    expect([...readRefFiles(repo, 'refs/bugs/')!]).toEqual(forEachRef(repo));
  });
});
