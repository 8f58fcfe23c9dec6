// GitStore over isomorphic-git, in-process. One `cache` object per store keeps
// packfile indexes loaded across reads; objects are parsed by the same code as
// the cat-file backend so both answer identically.

import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { UnavailableError } from '../errors.js';
import { GitObjectError, type CommitInfo, type GitStore, type TreeEntry } from './store.js';
import { isFullOid, parseCommit, parseTree } from './parse-objects.js';
import { checkRefPrefix } from './cat-file.js';

type Kind = 'commit' | 'tree' | 'blob';

export class IsomorphicStore implements GitStore {
  private cache: object = {};
  private closed = false;

  constructor(readonly repoPath: string) {}

  /**
   * Reads loose refs and packed-refs directly. isomorphic-git's own listRefs
   * mixes in packed refs of sibling namespaces (refs/bugsy/* for refs/bugs) and
   * re-reads packed-refs for every ref it resolves.
   */
  async listRefs(prefix: string): Promise<Map<string, string>> {
    this.checkOpen();
    checkRefPrefix(prefix);
    const gitdir = this.repoPath;
    const dir = prefix.replace(/\/+$/, '');
    try {
      // Loose first, packed-refs second: `git pack-refs` writes packed-refs
      // before it deletes the loose files, so no ref falls between the reads.
      const loose = await readLooseRefs(gitdir, dir);
      const packed = await readPackedRefs(gitdir);
      const refs = new Map<string, string>();
      for (const [name, oid] of packed) if (name.startsWith(prefix)) refs.set(name, oid);
      for (const [name, text] of loose) {
        if (!name.startsWith(prefix)) continue;
        if (isFullOid(text)) refs.set(name, text);
        else if (text.startsWith('ref: ')) refs.set(name, await git.resolveRef({ fs, gitdir, ref: name }));
        // Anything else is a broken ref, which git also skips.
      }
      return new Map([...refs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    } catch (err) {
      throw new UnavailableError(`cannot list ${prefix} in ${gitdir}: ${(err as Error).message}`);
    }
  }

  async readCommit(oid: string): Promise<CommitInfo> {
    return parseCommit(oid, await this.read(oid, 'commit'));
  }

  async readTree(oid: string): Promise<TreeEntry[]> {
    return parseTree(oid, await this.read(oid, 'tree'));
  }

  async readBlob(oid: string): Promise<Buffer> {
    return this.read(oid, 'blob');
  }

  close(): Promise<void> {
    // Nothing runs in the background; dropping the cache frees the pack data.
    this.closed = true;
    this.cache = {};
    return Promise.resolve();
  }

  private async read(oid: string, want: Kind): Promise<Buffer> {
    this.checkOpen();
    if (!isFullOid(oid)) throw new GitObjectError(oid, 'not a full object id');
    let result;
    try {
      result = await git.readObject({ fs, gitdir: this.repoPath, oid, format: 'content', cache: this.cache });
    } catch (err) {
      const e = err as { code?: string; message: string };
      throw new GitObjectError(oid, e.code === 'NotFoundError' ? 'object not found' : e.message);
    }
    if (result.type !== want) throw new GitObjectError(oid, `expected a ${want}, found a ${result.type}`);
    const obj = result.object as Uint8Array;
    return Buffer.isBuffer(obj) ? obj : Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength);
  }

  private checkOpen(): void {
    if (this.closed) throw new UnavailableError(`the git store of ${this.repoPath} is closed`);
  }
}

/** Loose ref files under `dir` (recursively), as full ref name -> trimmed content. */
async function readLooseRefs(gitdir: string, dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const visit = async (rel: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(path.join(gitdir, rel), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw err;
    }
    await Promise.all(
      entries.map(async (e) => {
        const name = `${rel}/${e.name}`;
        if (e.isDirectory()) return visit(name);
        if (e.name.endsWith('.lock')) return;
        try {
          out.set(name, (await fs.promises.readFile(path.join(gitdir, name), 'utf8')).trim());
        } catch (err) {
          // Deleted between readdir and read: the ref is gone.
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }),
    );
  };
  await visit(dir);
  return out;
}

/** packed-refs as name -> oid (peeled "^" lines and comments skipped). */
async function readPackedRefs(gitdir: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await fs.promises.readFile(path.join(gitdir, 'packed-refs'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  const refs = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line[0] === '#' || line[0] === '^') continue;
    const sp = line.indexOf(' ');
    const oid = line.slice(0, sp);
    if (sp > 0 && isFullOid(oid)) refs.set(line.slice(sp + 1).trimEnd(), oid);
  }
  return refs;
}
