// The code pages as JSON under /api/v1/repos/{repo}/: tree, blob (metadata,
// not the bytes: those are at /raw), commits and commit. Names are given as
// text (invalid UTF-8 replaced) and as `path`, percent-encoded bytes that
// round-trip exactly into the page and API URLs.

import type { ServerResponse } from 'node:http';
import { NotFoundError } from '../errors.js';
import { readBlob } from '../code/blob.js';
import { readCommit, readCommitView } from '../code/commit.js';
import { readLog } from '../code/log.js';
import { ObjectReader } from '../code/objects.js';
import { resolveCommitId } from '../code/refs.js';
import { readTree, sortEntries, type CodeEntry } from '../code/tree.js';
import { gitTarget, locateRefPath } from './code.js';
import { encodeSegment } from './pages/code-parts.js';
import { readCount, type Target } from './request.js';
import { sendJson } from './respond.js';
import type { WebContext } from './context.js';

const MAX_PAGE = 100_000;

const encodedPath = (segs: readonly Buffer[]) => segs.map(encodeSegment).join('/');

function entryJson(dir: readonly Buffer[], e: CodeEntry) {
  return { name: e.name.toString('utf8'), path: encodedPath([...dir, e.name]), type: e.kind, mode: e.mode, oid: e.oid };
}

export async function apiTree(ctx: WebContext, res: ServerResponse, repo: string, segs: Buffer[]): Promise<void> {
  let entries: CodeEntry[] = [];
  const found = await locateRefPath(ctx, repo, segs, async (reader, f) => {
    if (f.entry.kind === 'tree') entries = sortEntries(await readTree(reader, f.entry.oid));
  });
  if (found.entry.kind !== 'tree') throw new NotFoundError('folder', encodedPath(found.at.rest));
  const { at } = found;
  await sendJson(res, 200, {
    ref: at.ref,
    commit: at.commit,
    path: encodedPath(at.rest),
    entries: entries.map((e) => entryJson(at.rest, e)),
  });
}

export async function apiBlob(ctx: WebContext, res: ServerResponse, repo: string, segs: Buffer[]): Promise<void> {
  let size = 0;
  let binary = false;
  const found = await locateRefPath(ctx, repo, segs, async (reader, f) => {
    if (f.entry.kind !== 'blob' && f.entry.kind !== 'symlink') return;
    const b = await readBlob(reader, f.entry.oid);
    size = b.size;
    binary = b.binary;
  });
  const { at, entry } = found;
  if (entry.kind === 'tree') throw new NotFoundError('file', encodedPath(at.rest));
  await sendJson(res, 200, {
    ref: at.ref,
    commit: at.commit,
    path: encodedPath(at.rest),
    name: entry.name.toString('utf8'),
    type: entry.kind,
    mode: entry.mode,
    oid: entry.oid,
    ...(entry.kind === 'submodule' ? {} : { size, binary }),
  });
}

export async function apiCommits(ctx: WebContext, res: ServerResponse, target: Target, repo: string, segs: Buffer[]): Promise<void> {
  const page = readCount(target, 'page', 1, MAX_PAGE);
  const perPage = readCount(target, 'perPage', 50, 100);
  const found = await locateRefPath(ctx, repo, segs);
  const path = found.at.rest.length ? Buffer.from(found.at.rest.map((s) => s.toString('latin1')).join('/'), 'latin1') : undefined;
  const log = await readLog(found.t, found.at.commit, path, page, perPage);
  await sendJson(res, 200, { ref: found.at.ref, commit: found.at.commit, ...log });
}

export async function apiCommit(ctx: WebContext, res: ServerResponse, repo: string, id: string): Promise<void> {
  const t = gitTarget(ctx, repo);
  const commit = await ObjectReader.with(t, async (reader) => readCommit(reader, await resolveCommitId(t, reader, id)));
  const view = await readCommitView(t, commit);
  await sendJson(res, 200, {
    hash: commit.hash,
    tree: commit.tree,
    parents: commit.parents,
    author: commit.author,
    committer: commit.committer,
    message: commit.message,
    files: view.files.map((f) => ({
      path: encodedPath(
        f.path
          .toString('latin1')
          .split('/')
          .map((s) => Buffer.from(s, 'latin1')),
      ),
      name: f.path.toString('utf8'),
      status: f.status,
      oldMode: f.oldMode,
      newMode: f.newMode,
      ...(f.patch ? { binary: f.patch.binary, additions: f.patch.additions, deletions: f.patch.deletions } : {}),
    })),
    filesTruncated: view.filesTruncated,
    diffTruncated: view.diffTruncated,
  });
}
