// Parsers for raw git object bodies (what `git cat-file --batch` prints after
// the header, and what isomorphic-git's readObject returns as 'content').
// Both backends share them, so they answer in exactly the same shape.

import { GitObjectError, type CommitInfo, type TreeEntry } from './store.js';

const NL = 0x0a;
const SP = 0x20;
const NUL = 0x00;

const OID_RE = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** A full lowercase object id (SHA-1 or SHA-256). Anything else (short ids, 'HEAD', revision syntax) is refused. */
export function isFullOid(oid: string): boolean {
  return OID_RE.test(oid);
}

/** Reads the `tree` and `parent` headers of a commit; the message is never scanned. */
export function parseCommit(oid: string, body: Buffer): CommitInfo {
  let tree: string | undefined;
  const parents: string[] = [];
  let pos = 0;
  while (pos < body.length) {
    let end = body.indexOf(NL, pos);
    if (end < 0) end = body.length;
    if (end === pos) break; // blank line: the headers are over
    const sp = body.indexOf(SP, pos);
    if (sp > pos && sp < end) {
      const key = body.toString('latin1', pos, sp);
      if (key === 'tree') tree = body.toString('latin1', sp + 1, end);
      else if (key === 'parent') parents.push(body.toString('latin1', sp + 1, end));
      // git writes tree, then parents, then author: nothing after those is needed.
      else if (tree !== undefined) break;
    }
    pos = end + 1;
  }
  if (tree === undefined || !isFullOid(tree)) throw new GitObjectError(oid, 'commit has no valid tree header');
  for (const p of parents) if (!isFullOid(p)) throw new GitObjectError(oid, `commit has an invalid parent "${p}"`);
  return { oid, tree, parents };
}

/**
 * Parses a binary tree: repeated "<mode> <name>\0<raw oid>". Modes are shown
 * as `git ls-tree` shows them (six digits, so directories are "040000").
 */
export function parseTree(oid: string, body: Buffer, hashBytes = 20): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let pos = 0;
  while (pos < body.length) {
    const sp = body.indexOf(SP, pos);
    if (sp < 0) throw new GitObjectError(oid, 'truncated tree entry (no mode)');
    const nul = body.indexOf(NUL, sp + 1);
    if (nul < 0 || nul + 1 + hashBytes > body.length) throw new GitObjectError(oid, 'truncated tree entry');
    let mode = body.toString('latin1', pos, sp);
    if (mode.length === 5) mode = '0' + mode;
    const name = body.toString('utf8', sp + 1, nul);
    const entryOid = body.toString('hex', nul + 1, nul + 1 + hashBytes);
    entries.push({ mode, name, oid: entryOid, type: typeOfMode(mode) });
    pos = nul + 1 + hashBytes;
  }
  return entries;
}

function typeOfMode(mode: string): TreeEntry['type'] {
  if (mode === '040000') return 'tree';
  if (mode === '160000') return 'commit'; // gitlink (submodule)
  return 'blob';
}
