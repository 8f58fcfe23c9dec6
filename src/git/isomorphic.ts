// GitStore over isomorphic-git, in-process. One `cache` object per store keeps
// packfile indexes loaded across reads; objects are parsed by the same code as
// the cat-file backend so both answer identically.

import fs from 'node:fs';
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

  async listRefs(prefix: string): Promise<Map<string, string>> {
    this.checkOpen();
    checkRefPrefix(prefix);
    const dir = prefix.replace(/\/+$/, '');
    const gitdir = this.repoPath;
    let names: string[];
    try {
      // Loose and packed-refs; names come back relative to `dir`.
      names = await git.listRefs({ fs, gitdir, filepath: dir });
    } catch (err) {
      throw new UnavailableError(`cannot list ${prefix} in ${gitdir}: ${(err as Error).message}`);
    }
    const refs = new Map<string, string>();
    const full = names.map((n) => `${dir}/${n}`).filter((n) => n.startsWith(prefix));
    const oids = await Promise.all(full.map((ref) => git.resolveRef({ fs, gitdir, ref })));
    full.forEach((ref, i) => refs.set(ref, oids[i]));
    return refs;
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

  async close(): Promise<void> {
    // Nothing runs in the background; dropping the cache frees the pack data.
    this.closed = true;
    this.cache = {};
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
