// GitStore over isomorphic-git, in-process. One `cache` object per store keeps
// packfile indexes loaded across reads; objects are parsed by the same code as
// the cat-file backend so both answer identically.

import fs from 'node:fs';
import git from 'isomorphic-git';
import { UnavailableError } from '../errors.js';
import { GitObjectError, type CommitInfo, type GitStore, type TreeEntry } from './store.js';
import { isFullOid, parseCommit, parseTree } from './parse-objects.js';
import { checkRefPrefix } from './cat-file.js';
import { readLooseRefs, readPackedRefs, withLooseRefs } from './ref-files.js';

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
  async listRefs(prefix: string): Promise<ReadonlyMap<string, string>> {
    this.checkOpen();
    checkRefPrefix(prefix);
    const gitdir = this.repoPath;
    const dir = prefix.replace(/\/+$/, '');
    try {
      // Loose first, packed-refs second: `git pack-refs` writes packed-refs
      // before it deletes the loose files, so no ref falls between the reads.
      const loose = new Map<string, string>();
      for (const [name, text] of readLooseRefs(gitdir, dir)) {
        if (isFullOid(text)) loose.set(name, text);
        else if (text.startsWith('ref: ')) loose.set(name, await git.resolveRef({ fs, gitdir, ref: name }));
        // Anything else is a broken ref, which git also skips.
      }
      return withLooseRefs(readPackedRefs(gitdir, prefix), loose);
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
