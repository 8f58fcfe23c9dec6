// Folders: walking a commit's tree to a path (segment by segment, by bytes,
// so any name git can store is reachable and nothing outside the tree is),
// listing a folder, and the last commit of each entry where that is cheap.

import { NotFoundError } from '../errors.js';
import type { ObjectReader } from './objects.js';
import { runBoundedGit, type GitTarget } from './run.js';

export type EntryKind = 'tree' | 'blob' | 'symlink' | 'submodule';

export interface CodeEntry {
  /** the name's bytes as git stores them */
  name: Buffer;
  mode: string;
  kind: EntryKind;
  oid: string;
}

export function kindOfMode(mode: string): EntryKind {
  if (mode === '40000' || mode === '040000') return 'tree';
  if (mode === '160000') return 'submodule';
  if (mode === '120000') return 'symlink';
  return 'blob';
}

/** Parses a raw tree object: repeated "<mode> <name>\0<raw id>". */
export function parseTreeBody(body: Buffer, hashBytes: number): CodeEntry[] {
  const out: CodeEntry[] = [];
  let pos = 0;
  while (pos < body.length) {
    const sp = body.indexOf(0x20, pos);
    const nul = sp < 0 ? -1 : body.indexOf(0, sp + 1);
    if (sp < 0 || nul < 0 || nul + 1 + hashBytes > body.length) break;
    const mode = body.toString('latin1', pos, sp);
    out.push({
      mode,
      name: Buffer.from(body.subarray(sp + 1, nul)),
      kind: kindOfMode(mode),
      oid: body.toString('hex', nul + 1, nul + 1 + hashBytes),
    });
    pos = nul + 1 + hashBytes;
  }
  return out;
}

/** Folders first, then by name bytes (git's order within each group). */
export function sortEntries(entries: CodeEntry[]): CodeEntry[] {
  const rank = (e: CodeEntry) => (e.kind === 'tree' ? 0 : 1);
  return entries.sort((a, b) => rank(a) - rank(b) || Buffer.compare(a.name, b.name));
}

export async function readTree(reader: ObjectReader, oid: string): Promise<CodeEntry[]> {
  const { info, body } = await reader.contents(oid);
  if (info.type !== 'tree') throw new NotFoundError('folder', oid);
  return parseTreeBody(body, oid.length / 2);
}

export async function commitTree(reader: ObjectReader, commit: string): Promise<string> {
  const { body } = await reader.contents(commit);
  const m = /^tree ([0-9a-f]{40,64})$/m.exec(body.toString('latin1', 0, Math.min(body.length, 200)));
  if (!m) throw new NotFoundError('commit', commit);
  return m[1];
}

/** Walks `path` from the commit's root tree. A symlink on the way is never followed: the path is not found. */
export async function locate(reader: ObjectReader, commit: string, pathSegs: Buffer[], shownPath: string): Promise<CodeEntry> {
  let entry: CodeEntry = { name: Buffer.alloc(0), mode: '040000', kind: 'tree', oid: await commitTree(reader, commit) };
  for (const seg of pathSegs) {
    if (entry.kind !== 'tree') throw new NotFoundError('path', shownPath);
    const next = (await readTree(reader, entry.oid)).find((e) => e.name.equals(seg));
    if (!next) throw new NotFoundError('path', shownPath);
    entry = next;
  }
  return entry;
}

export interface LastCommit {
  hash: string;
  /** ISO time */
  at: string;
  subject: string;
}

/** Bounds of the last-commit search: past them an entry simply shows no commit. */
const LAST_COMMIT_SCAN = 2_000;
const LAST_COMMIT_MS = 1_500;
const LAST_COMMIT_BYTES = 8 * 1024 * 1024;

// Commit ids never change what they name, so a folder's answer is kept.
const lastCommitCache = new Map<string, Map<string, LastCommit>>();
const LAST_COMMIT_CACHE = 500;

/**
 * The newest commit touching each entry of a folder, from one bounded `git
 * log --name-only` walk that stops as soon as every entry is found. Names
 * are matched by bytes (keys are latin1 strings of the bytes).
 */
export async function lastCommits(t: GitTarget, commit: string, dir: Buffer[], names: Buffer[]): Promise<Map<string, LastCommit>> {
  // "a/b/": every path the walk lists under the folder starts with it.
  const prefix = Buffer.concat(dir.flatMap((d) => [d, Buffer.from('/')]));
  const key = `${t.gitDir}\0${commit}\0${prefix.toString('latin1')}`;
  const cached = lastCommitCache.get(key);
  if (cached) return cached;
  const found = new Map<string, LastCommit>();
  // A path with a newline cannot be given on stdin: no dates there.
  if (prefix.includes(0x0a) || names.length === 0) return found;
  const wanted = new Set(names.map((n) => n.toString('latin1')));
  let pending: Buffer = Buffer.alloc(0);
  let current: LastCommit | undefined;
  const consume = (chunk: Buffer): boolean => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let pos = 0;
    for (;;) {
      const nul = pending.indexOf(0, pos);
      if (nul < 0) break;
      let field = pending.subarray(pos, nul);
      pos = nul + 1;
      if (field[0] === 0x1e) {
        // "\x1eHASH\0TIME\0SUBJECT\0": read the two fields that follow.
        const n1 = pending.indexOf(0, pos);
        const n2 = n1 < 0 ? -1 : pending.indexOf(0, n1 + 1);
        if (n2 < 0) {
          pos -= field.length + 1;
          break;
        }
        current = {
          hash: field.toString('latin1', 1),
          at: new Date(Number(pending.toString('latin1', pos, n1)) * 1000).toISOString(),
          subject: pending.toString('utf8', n1 + 1, n2),
        };
        pos = n2 + 1;
        continue;
      }
      if (field[0] === 0x0a) field = field.subarray(1);
      if (!current || field.length <= prefix.length) continue;
      const rest = field.subarray(prefix.length);
      const slash = rest.indexOf(0x2f);
      const name = (slash < 0 ? rest : rest.subarray(0, slash)).toString('latin1');
      if (wanted.has(name) && !found.has(name)) found.set(name, current);
    }
    pending = pending.subarray(pos);
    return found.size >= wanted.size;
  };
  const input = prefix.length ? `${commit}\n--\n${prefix.subarray(0, -1).toString('latin1')}\n` : `${commit}\n`;
  const r = await runBoundedGit(
    t,
    ['log', '--stdin', '-z', '--name-only', '--no-renames', '--format=%x1e%H%x00%ct%x00%s', `--max-count=${LAST_COMMIT_SCAN}`],
    { input: Buffer.from(input, 'latin1'), maxBytes: LAST_COMMIT_BYTES, timeoutMs: LAST_COMMIT_MS, onTimeout: 'partial', enough: consume },
  );
  // Only a complete answer is kept: a walk cut short by time may find more next time.
  if (!r.timedOut) {
    if (lastCommitCache.size >= LAST_COMMIT_CACHE) lastCommitCache.delete(lastCommitCache.keys().next().value!);
    lastCommitCache.set(key, found);
  }
  return found;
}
