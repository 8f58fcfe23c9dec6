import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { dataDirAt, prepareDataDir } from '../../src/data/dir.js';
import { storedPushToken } from '../../src/push-token.js';
import { tempDir } from '../helpers/git-bug-writer.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

async function tokenFile(name: string): Promise<string> {
  const data = dataDirAt(`${tmp.path}/${name}`);
  await prepareDataDir(data);
  return data.pushToken;
}

/** The old code never settled on a blank file (it retried forever): a hang fails the test instead of the suite's timeout. */
function settles<T>(p: Promise<T>, ms = 5_000): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms).unref())]);
}

describe('the generated push token', () => {
  it('is created once, private to its owner, and the same on the next start', async () => {
    const file = await tokenFile('data');
    const first = await storedPushToken(file);
    expect(first.created).toBe(true);
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    const again = await storedPushToken(file);
    expect(again).toEqual({ ...first, created: false });
  });

  it('differs between data folders', async () => {
    const a = await storedPushToken(await tokenFile('a'));
    const b = await storedPushToken(await tokenFile('b'));
    expect(a.token).not.toBe(b.token);
  });

  it.each([
    ['empty', ''],
    ['whitespace-only', ' \n\t \n'],
  ])('replaces an %s token file with a new token instead of spinning', async (name, text) => {
    const file = await tokenFile(`blank-${name}`);
    writeFileSync(file, text);
    const got = await settles(storedPushToken(file));
    expect(got.created).toBe(true);
    expect(got.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(readFileSync(file, 'utf8').trim()).toBe(got.token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await storedPushToken(file)).toEqual({ ...got, created: false });
  });
});
