// The push token when none is configured: generated once, kept in the data
// folder (DataDir.pushToken, readable by its owner only), so a newcomer can
// push right away.

import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { UnavailableError } from './errors.js';

function newToken(): string {
  return randomBytes(24).toString('base64url');
}

async function readToken(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The token in `file`, written first when there is none. A file that is empty
 * or only whitespace (a crash or a full disk during the first start) is
 * replaced by a new token. The data folder must exist (prepareDataDir).
 */
export async function storedPushToken(file: string): Promise<{ token: string; file: string; created: boolean }> {
  const found = await readToken(file);
  if (found) return { token: found, file, created: false };
  const token = newToken();
  if (found === undefined) {
    // 'wx': never overwrite a token another process wrote meanwhile.
    try {
      await writeFile(file, token + '\n', { mode: 0o600, flag: 'wx' });
      return { token, file, created: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    // Another process created it first: use its token, if it has finished writing one.
    const theirs = await readToken(file);
    if (theirs) return { token: theirs, file, created: false };
  }
  // Empty or blank: replace it whole (write aside, then rename over it).
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, token + '\n', { mode: 0o600 });
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new UnavailableError(`cannot write the push token ${file}: ${(err as Error).message}`);
  }
  return { token, file, created: true };
}
