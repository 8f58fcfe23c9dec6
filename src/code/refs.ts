// Branches, tags and HEAD, and reading `{ref}/{path}` from a URL.
//
// The rule for a ref name with `/` in it (branch `feature/x`): the segments
// after /tree/, /blob/, /raw/ or /commits/ are read as the LONGEST prefix
// that names a branch or tag, the rest being the path (as GitHub does). At
// the same length a tag wins over a branch, as in `git rev-parse`. When no
// prefix names a ref, the first segment may be `HEAD` or a commit id (4 to 64
// hex digits, a short one must be unambiguous).

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AmbiguousIdError, NotFoundError } from '../errors.js';
import { runBoundedGit, GitCommandError, type GitTarget } from './run.js';
import type { ObjectReader } from './objects.js';

export interface RefInfo {
  /** short name: `main`, `feature/x`, `v1.0` */
  name: string;
  kind: 'branch' | 'tag';
  /** what the ref points at (a tag object for annotated tags) */
  oid: string;
  /** the commit an annotated tag points at, when git could peel it */
  peeled?: string;
  /** committer time of the commit (ISO), and its subject */
  date?: string;
  subject?: string;
}

export interface Refs {
  branches: RefInfo[];
  tags: RefInfo[];
  /** HEAD: the branch it names (maybe unborn), or a detached commit id */
  head: { branch: string } | { detached: string } | undefined;
  /** more refs exist than were read */
  truncated: boolean;
}

const MAX_REF_BYTES = 4 * 1024 * 1024;
const SEP = '\x1f';

async function readHead(gitDir: string): Promise<Refs['head']> {
  // HEAD is a small file git itself reads first; reading it saves a process per page.
  let text: string;
  try {
    text = (await readFile(path.join(gitDir, 'HEAD'), 'utf8')).trim();
  } catch {
    return undefined;
  }
  if (text.startsWith('ref: refs/heads/')) return { branch: text.slice('ref: refs/heads/'.length) };
  if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(text)) return { detached: text };
  return undefined;
}

export async function listRefs(t: GitTarget): Promise<Refs> {
  const format = ['%(refname)', '%(objectname)', '%(*objectname)', '%(creatordate:iso-strict)', '%(contents:subject)'].join(SEP);
  const [r, head] = await Promise.all([
    runBoundedGit(t, ['for-each-ref', `--format=${format}`, '--sort=-creatordate', 'refs/heads/', 'refs/tags/'], {
      maxBytes: MAX_REF_BYTES,
    }),
    readHead(t.gitDir),
  ]);
  if (r.code !== 0 && !r.truncated) throw new GitCommandError(['for-each-ref'], r.code, r.stderr);
  const branches: RefInfo[] = [];
  const tags: RefInfo[] = [];
  const lines = r.stdout.toString('utf8').split('\n');
  if (r.truncated) lines.pop(); // the last line may be cut
  for (const line of lines) {
    if (!line) continue;
    const [ref, oid, peeled, date, subject] = line.split(SEP);
    const isBranch = ref.startsWith('refs/heads/');
    const info: RefInfo = {
      name: ref.slice(isBranch ? 'refs/heads/'.length : 'refs/tags/'.length),
      kind: isBranch ? 'branch' : 'tag',
      oid,
    };
    // Set, not spread from conditional objects (a slow path in V8, per ref).
    if (peeled) info.peeled = peeled;
    if (date) info.date = date;
    if (subject) info.subject = subject;
    (isBranch ? branches : tags).push(info);
  }
  return { branches, tags, head, truncated: r.truncated };
}

/** The branch pages show when no ref is named: HEAD's, or a sensible one when HEAD is unusual. */
export function defaultRef(refs: Refs): { name: string; oid: string } | undefined {
  const h = refs.head;
  if (h && 'detached' in h) return { name: h.detached, oid: h.detached };
  const byName = (n: string) => refs.branches.find((b) => b.name === n);
  const pick = (h && byName(h.branch)) ?? byName('main') ?? byName('master') ?? refs.branches[0];
  return pick ? { name: pick.name, oid: pick.oid } : undefined;
}

export interface Resolved {
  /** as shown and linked: a branch or tag name, `HEAD`, or the id typed */
  ref: string;
  kind: 'branch' | 'tag' | 'commit';
  commit: string;
  /** the segments after the ref */
  rest: Buffer[];
}

const HEX = /^[0-9a-f]{4,64}$/i;

/** Peels a ref target (tag objects, possibly nested) to a commit. */
export async function peelToCommit(reader: ObjectReader, oid: string, what: string): Promise<string> {
  let current = oid;
  for (let depth = 0; depth < 8; depth++) {
    const info = await reader.info(current);
    if (!('oid' in info)) throw new NotFoundError('commit', what);
    if (info.type === 'commit') return info.oid;
    if (info.type !== 'tag') throw new NotFoundError('commit', what);
    const { body } = await reader.contents(info.oid);
    const m = /^object ([0-9a-f]{40,64})$/m.exec(body.toString('latin1', 0, Math.min(body.length, 200)));
    if (!m) throw new NotFoundError('commit', what);
    current = m[1];
  }
  throw new NotFoundError('commit', what);
}

/**
 * The commits whose id starts with `prefix` (for the ambiguous-id page). It
 * starts a second git while the caller's reader holds its slot: only for an
 * ambiguous short id, and a full limit makes it wait at most the limit's waitMs.
 */
export async function commitCandidates(t: GitTarget, reader: ObjectReader, prefix: string): Promise<string[]> {
  const r = await runBoundedGit(t, ['rev-parse', `--disambiguate=${prefix.toLowerCase()}`], { maxBytes: 1024 * 1024 });
  const ids = r.stdout.toString('latin1').split('\n').filter(Boolean);
  const commits: string[] = [];
  for (const id of ids.slice(0, 200)) {
    const info = await reader.info(id);
    if ('oid' in info && info.type === 'commit') commits.push(id);
    if (commits.length >= 20) break;
  }
  return commits;
}

/** A commit by id (full or short). Short ids matching several commits throw AmbiguousIdError. */
export async function resolveCommitId(t: GitTarget, reader: ObjectReader, id: string): Promise<string> {
  if (!HEX.test(id)) throw new NotFoundError('commit', id);
  const info = await reader.info(id.toLowerCase());
  if ('ambiguous' in info) {
    const candidates = await commitCandidates(t, reader, id);
    if (candidates.length === 1) return candidates[0];
    if (candidates.length > 1) throw new AmbiguousIdError(id, candidates, 'commit');
    throw new NotFoundError('commit', id);
  }
  if (!('oid' in info)) throw new NotFoundError('commit', id);
  return peelToCommit(reader, info.oid, id);
}

/**
 * Reads `{ref}/{path}` (raw segment bytes) by the rule in this file's header.
 * With no segments, the default branch.
 */
export async function resolveRefPath(t: GitTarget, reader: ObjectReader, refs: Refs, segs: Buffer[]): Promise<Resolved> {
  if (segs.length === 0) {
    const d = defaultRef(refs);
    if (!d) throw new NotFoundError('branch', 'HEAD (the repository has no commits)');
    const branch = refs.branches.find((b) => b.name === d.name);
    return { ref: d.name, kind: branch ? 'branch' : 'commit', commit: await peelToCommit(reader, d.oid, d.name), rest: [] };
  }
  const names = segs.map((s) => s.toString('utf8'));
  const tags = new Map(refs.tags.map((r) => [r.name, r]));
  const branches = new Map(refs.branches.map((r) => [r.name, r]));
  for (let n = segs.length; n >= 1; n--) {
    // A segment that is not valid UTF-8 cannot be part of a ref name git listed.
    if (!Buffer.from(names[n - 1], 'utf8').equals(segs[n - 1])) continue;
    const name = names.slice(0, n).join('/');
    const hit = tags.get(name) ?? branches.get(name);
    if (hit) {
      return { ref: name, kind: hit.kind, commit: await peelToCommit(reader, hit.peeled ?? hit.oid, name), rest: segs.slice(n) };
    }
  }
  const first = names[0];
  if (first === 'HEAD') {
    const d = defaultRef(refs);
    if (!d) throw new NotFoundError('ref', 'HEAD');
    return { ref: 'HEAD', kind: 'commit', commit: await peelToCommit(reader, d.oid, 'HEAD'), rest: segs.slice(1) };
  }
  if (HEX.test(first)) {
    const commit = await resolveCommitId(t, reader, first);
    return { ref: first.toLowerCase(), kind: 'commit', commit, rest: segs.slice(1) };
  }
  throw new NotFoundError('branch, tag or commit', first);
}
