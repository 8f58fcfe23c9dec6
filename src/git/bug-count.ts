// How many bugs a repository holds, without opening its cache: the refs
// under refs/bugs/, counted from the ref files (a readdir, plus packed-refs
// when present) and remembered until the ref stamp changes. Repositories in
// the reftable format are asked through one `git for-each-ref`.

import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { BUGS_PREFIX } from '../gitbug/refs.js';
import { isRacy, refStamp } from './ref-stamp.js';
import { runGitText } from './run.js';

const ID = /^[0-9a-f]{64}$/;

/** Remembered counts: a path and a stamp each, so 4,096 of them stay under about 2 MB. */
const MAX_REMEMBERED = 4096;
const remembered = new Map<string, { stamp: string; count: number }>();

async function countFromFiles(dir: string): Promise<number | undefined> {
  const ids = new Set<string>();
  try {
    for (const name of await readdir(path.join(dir, BUGS_PREFIX))) if (ID.test(name)) ids.add(name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  let packed: string;
  try {
    packed = await readFile(path.join(dir, 'packed-refs'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return ids.size;
  }
  // "<oid> refs/bugs/<id>" lines; "^<oid>" peel lines and others are skipped.
  const marker = ' ' + BUGS_PREFIX;
  for (let at = packed.indexOf(marker); at !== -1; at = packed.indexOf(marker, at + 1)) {
    const idAt = at + marker.length;
    const id = packed.slice(idAt, idAt + 64);
    const end = packed.charCodeAt(idAt + 64);
    if (ID.test(id) && (Number.isNaN(end) || end === 10 || end === 13)) ids.add(id);
  }
  return ids.size;
}

async function countWithGit(dir: string): Promise<number> {
  const out = await runGitText(['for-each-ref', '--format=x', BUGS_PREFIX], { gitDir: dir, maxBuffer: 64 * 1024 * 1024 });
  return out.length / 2;
}

/** The number of bugs in the bare repository at `dir`; undefined when it cannot be read. */
export async function countBugs(dir: string): Promise<number | undefined> {
  let stamp: string;
  try {
    stamp = refStamp(dir);
  } catch {
    return undefined;
  }
  const known = remembered.get(dir);
  if (known && known.stamp === stamp) return known.count;
  let count: number | undefined;
  try {
    count = existsSync(path.join(dir, 'reftable', 'tables.list')) ? await countWithGit(dir) : await countFromFiles(dir);
  } catch {
    return undefined;
  }
  if (count === undefined) return undefined;
  // A racy stamp cannot prove the next update will change it: do not keep it.
  if (!isRacy(stamp)) {
    remembered.delete(dir);
    remembered.set(dir, { stamp, count });
    if (remembered.size > MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
  }
  return count;
}
