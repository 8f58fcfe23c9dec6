// refStamp against real git: every way git changes bug/identity refs must
// change the stamp, and a quiet repository must keep its stamp.

import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { GIT_ENV } from '../helpers/git-client.js';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { refStamp } from '../../src/git/ref-stamp.js';

/** Longer than the stamp's racy window: after it, an unchanged repository must stamp the same. */
const QUIET_MS = 60;

const reftableSupported = (() => {
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'bugserve-reftable-probe-'));
  try {
    execFileSync('git', ['init', '-q', '--bare', '--ref-format=reftable', probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
})();
if (!reftableSupported) console.warn('ref-stamp reftable test skipped: this git cannot create reftable repositories');

let tmp: string;
let repo: string;
let commits: string[];

function git(args: string[], input?: string): string {
  return execFileSync('git', [`--git-dir=${repo}`, ...args], { input, env: GIT_ENV })
    .toString('utf8')
    .trim();
}

const id = (s: string) => createHash('sha256').update(s).digest('hex');

/** A stamp of a repository left alone long enough to be stable, checked to be stable. */
async function settledStamp(): Promise<string> {
  await sleep(QUIET_MS);
  const a = refStamp(repo);
  expect(refStamp(repo)).toBe(a);
  return a;
}

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bugserve-refstamp-'));
  repo = path.join(tmp, 'repo.git');
  execFileSync('git', ['init', '-q', '--bare', repo], { env: GIT_ENV });
  const blob = git(['hash-object', '-w', '--stdin'], '{}');
  const tree = git(['mktree'], `100644 blob ${blob}\tops\n`);
  commits = [git(['commit-tree', tree, '-m', 'one'])];
  for (let i = 0; i < 3; i++) commits.push(git(['commit-tree', tree, '-p', commits[i], '-m', `c${i}`]));
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('refStamp', () => {
  it('is stable for an unchanged repository, including one with no bug refs yet', async () => {
    const empty = await settledStamp();
    expect(empty.split('|')).toHaveLength(4);
    git(['update-ref', `refs/bugs/${id('a')}`, commits[0]]);
    git(['update-ref', `refs/identities/${id('p')}`, commits[0]]);
    const s = await settledStamp();
    expect(s).not.toBe(empty);
    await sleep(QUIET_MS);
    expect(refStamp(repo)).toBe(s);
  });

  it('changes when git creates, moves, deletes bug and identity refs (rename into the directory)', async () => {
    git(['update-ref', `refs/bugs/${id('a')}`, commits[0]]);
    const s0 = await settledStamp();
    const dirMtime = () => fs.statSync(path.join(repo, 'refs/bugs'), { bigint: true }).mtimeNs;
    const m0 = dirMtime();

    git(['update-ref', `refs/bugs/${id('a')}`, commits[1]]); // existing ref, no new directory entry
    expect(dirMtime()).not.toBe(m0); // git's lock-and-rename touches the directory itself
    const s1 = await settledStamp();
    expect(s1).not.toBe(s0);

    git(['update-ref', `refs/bugs/${id('b')}`, commits[0]]);
    const s2 = await settledStamp();
    expect(s2).not.toBe(s1);

    git(['update-ref', `refs/identities/${id('p')}`, commits[0]]);
    const s3 = await settledStamp();
    expect(s3).not.toBe(s2);

    git(['update-ref', '-d', `refs/bugs/${id('b')}`]);
    const s4 = await settledStamp();
    expect(s4).not.toBe(s3);

    // Refs outside the two namespaces don't matter.
    git(['update-ref', 'refs/heads/main', commits[0]]);
    expect(await settledStamp()).toBe(s4);
  });

  it('changes on pack-refs, on updating a packed ref and on deleting a packed ref', async () => {
    git(['update-ref', `refs/bugs/${id('a')}`, commits[0]]);
    git(['update-ref', `refs/bugs/${id('b')}`, commits[0]]);
    const s0 = await settledStamp();

    git(['pack-refs', '--all']);
    expect(fs.readdirSync(path.join(repo, 'refs/bugs'))).toEqual([]);
    const s1 = await settledStamp();
    expect(s1).not.toBe(s0);

    git(['update-ref', `refs/bugs/${id('a')}`, commits[1]]); // loose value over a packed one
    const s2 = await settledStamp();
    expect(s2).not.toBe(s1);

    git(['pack-refs', '--all']);
    const s3 = await settledStamp();
    expect(s3).not.toBe(s2);

    git(['update-ref', '-d', `refs/bugs/${id('b')}`]); // only in packed-refs: rewrites that file
    expect(fs.readFileSync(path.join(repo, 'packed-refs'), 'utf8')).not.toContain(id('b'));
    const s4 = await settledStamp();
    expect(s4).not.toBe(s3);
  });

  it('changes on a fetch that brings new bugs', async () => {
    const other = path.join(tmp, 'other.git');
    execFileSync('git', ['clone', '-q', '--bare', repo, other], { env: GIT_ENV });
    git(['update-ref', `refs/bugs/${id('new')}`, commits[2]]);
    const source = repo;
    repo = other; // stamp the clone, which fetches from the first repository
    const s0 = await settledStamp();
    execFileSync('git', [`--git-dir=${other}`, 'fetch', '-q', source, 'refs/bugs/*:refs/bugs/*'], { env: GIT_ENV });
    expect(await settledStamp()).not.toBe(s0);
  });

  it('tells apart updates made back to back, less than a millisecond apart', async () => {
    const ref = `refs/bugs/${id('a')}`;
    git(['update-ref', ref, commits[0]]);
    // One git process, one transaction per value, no fsync: the updates land as fast as git can commit them.
    const child = spawn('git', [`--git-dir=${repo}`, '-c', 'core.fsync=none', 'update-ref', '--stdin'], { env: GIT_ENV });
    const lines: string[] = [];
    let waiting: (() => void) | null = null;
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (lines.at(-1) === 'commit: ok') waiting?.();
      }
    });
    const update = (oid: string) =>
      new Promise<void>((resolve) => {
        waiting = resolve;
        child.stdin.write(`start\nupdate ${ref} ${oid}\ncommit\n`);
      });
    const stamps: string[] = [];
    const mtimes: bigint[] = [];
    const times: number[] = [];
    const values = Array.from({ length: 20 }, (_, i) => commits[1 + (i % 3)]);
    for (const oid of values) {
      await update(oid);
      times.push(performance.now());
      stamps.push(refStamp(repo));
      mtimes.push(fs.statSync(path.join(repo, 'refs/bugs'), { bigint: true }).mtimeNs);
    }
    child.stdin.end();
    await new Promise((r) => child.on('close', r));
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    const statParts = new Set(stamps.map((s) => s.split('~')[0]));
    console.log(
      `[ref-stamp] ${values.length} back-to-back updates, gaps ${Math.min(...gaps).toFixed(2)}..${Math.max(...gaps).toFixed(2)} ms ` +
        `(${gaps.filter((g) => g < 1).length} under 1 ms); distinct dir mtimes: ${new Set(mtimes).size}; ` +
        `distinct stamps without the racy marker: ${statParts.size}`,
    );
    expect(new Set(stamps).size).toBe(stamps.length);
    expect(fs.readFileSync(path.join(repo, ref), 'utf8').trim()).toBe(values.at(-1));
  });

  it.skipIf(!reftableSupported)('changes when a reftable repository updates a bug ref', async () => {
    const rt = path.join(tmp, 'reftable.git');
    execFileSync('git', ['init', '-q', '--bare', '--ref-format=reftable', rt], { env: GIT_ENV });
    execFileSync('git', [`--git-dir=${rt}`, 'fetch', '-q', repo, `${commits[0]}:refs/bugs/${id('x')}`], { env: GIT_ENV });
    repo = rt;
    const s0 = await settledStamp();
    git(['update-ref', `refs/bugs/${id('x')}`, commits[1]]);
    expect(await settledStamp()).not.toBe(s0);
  });
});
