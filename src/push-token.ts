// The push token when none is configured: generated once, kept in the data
// folder (readable by its owner only), so a newcomer can push right away.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const PUSH_TOKEN_FILE = 'push-token';

export async function storedPushToken(dataDir: string): Promise<{ token: string; file: string; created: boolean }> {
  const file = path.join(dataDir, PUSH_TOKEN_FILE);
  try {
    const token = (await readFile(file, 'utf8')).trim();
    if (token) return { token, file, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true });
  const token = randomBytes(24).toString('base64url');
  // 'wx': never overwrite a token another process wrote meanwhile.
  try {
    await writeFile(file, token + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return storedPushToken(dataDir);
    throw err;
  }
  return { token, file, created: true };
}
