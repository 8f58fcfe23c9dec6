import { statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { storedPushToken } from '../../src/push-token.js';
import { tempDir } from '../helpers/git-bug-writer.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

describe('the generated push token', () => {
  it('is created once, private to its owner, and the same on the next start', async () => {
    const dataDir = `${tmp.path}/data`;
    const first = await storedPushToken(dataDir);
    expect(first.created).toBe(true);
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    const again = await storedPushToken(dataDir);
    expect(again).toEqual({ ...first, created: false });
  });

  it('differs between data folders', async () => {
    const a = await storedPushToken(`${tmp.path}/a`);
    const b = await storedPushToken(`${tmp.path}/b`);
    expect(a.token).not.toBe(b.token);
  });
});
