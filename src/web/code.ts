// Route handlers of the code pages (tree, file, raw, history, commit,
// branches, tags) and what they share with the JSON API: reading the repository
// through src/code/ and rendering through the render pool.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { NotFoundError } from '../errors.js';
import { repoDir, repoExists } from '../git/repo-path.js';
import { readBlob, streamBlob } from '../code/blob.js';
import { readCommit, readCommitView } from '../code/commit.js';
import { readLog } from '../code/log.js';
import { ObjectReader } from '../code/objects.js';
import { listRefs, resolveCommitId, resolveRefPath, type Refs, type Resolved } from '../code/refs.js';
import type { GitTarget } from '../code/run.js';
import { lastCommits, locate, readTree, sortEntries, type CodeEntry } from '../code/tree.js';
import type { WebContext } from './context.js';
import { html, repoPath, SafeHtml } from './html.js';
import { blobPage, type FileContent } from './pages/blob.js';
import { codeUrl, showPath } from './pages/code-parts.js';
import { commitPage } from './pages/commit.js';
import { commitsPage } from './pages/commits.js';
import { refsPage } from './pages/refs.js';
import { noCodePage, treePage } from './pages/tree.js';
import { readCount, type Target } from './request.js';
import { publicHost, redirect, sendHtml } from './respond.js';

const MAX_PAGE = 100_000;
const MAX_README_BYTES = 512 * 1024;
const README = /^readme(\.(md|markdown|txt|rst))?$/i;
const MARKDOWN = /\.(md|markdown|mdown|mkd)$/i;
const IMAGE = /\.(png|jpe?g|gif|webp|bmp|ico|avif)$/i;

/** The repository's git folder and the process bound; NotFoundError when there is no such repository. */
export function gitTarget(ctx: WebContext, repo: string): GitTarget {
  if (!repoExists(ctx.reposDir, repo)) throw new NotFoundError('repository', repo);
  return { gitDir: repoDir(ctx.reposDir, repo), limit: ctx.gitLimit };
}

/** Percent-decodes a raw URL segment to its exact bytes (invalid UTF-8 included). */
export function segmentBytes(raw: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(raw.slice(i + 1, i + 3))) {
      bytes.push(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(raw[i], 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes);
}

export function restBytes(target: Target, at: number): Buffer[] {
  return target.raw.slice(at).map(segmentBytes);
}

export interface Located {
  t: GitTarget;
  refs: Refs;
  at: Resolved;
  entry: CodeEntry;
}

/** Reads `{ref}/{path}` and what the path names, with one cat-file process. */
export async function locateRefPath(
  ctx: WebContext,
  repo: string,
  segs: Buffer[],
  then?: (reader: ObjectReader, found: Located) => Promise<void>,
): Promise<Located> {
  const t = gitTarget(ctx, repo);
  const refs = await listRefs(t);
  return ObjectReader.with(t, async (reader) => {
    const at = await resolveRefPath(t, reader, refs, segs);
    const entry = await locate(reader, at.commit, at.rest, showPath(at.rest));
    const found = { t, refs, at, entry };
    await then?.(reader, found);
    return found;
  });
}

async function markdown(ctx: WebContext, text: string): Promise<SafeHtml> {
  const [out] = await ctx.render.run({ kind: 'markdown', texts: [text] });
  return html`<div class="markdown">${new SafeHtml(out)}</div>`;
}

export async function treeRoute(ctx: WebContext, req: IncomingMessage, res: ServerResponse, repo: string, segs: Buffer[]): Promise<void> {
  const t = gitTarget(ctx, repo);
  if (segs.length === 0) {
    const refs = await listRefs(t);
    if (!refs.branches.length && !(refs.head && 'detached' in refs.head)) {
      await sendHtml(res, 200, noCodePage(repo, `http://${publicHost(req, ctx.fallbackHost)}${repoPath(repo)}.git`));
      return;
    }
  }
  let entries: CodeEntry[] = [];
  let readme: { name: Buffer; text: string } | undefined;
  let head!: Awaited<ReturnType<typeof readCommit>>;
  const found = await locateRefPath(ctx, repo, segs, async (reader, f) => {
    if (f.entry.kind !== 'tree') return;
    head = await readCommit(reader, f.at.commit);
    entries = sortEntries(await readTree(reader, f.entry.oid));
    const r = entries.find((e) => e.kind === 'blob' && README.test(e.name.toString('latin1')));
    if (r) {
      const blob = await readBlob(reader, r.oid);
      if (blob.bytes && !blob.binary) readme = { name: r.name, text: blob.bytes.subarray(0, MAX_README_BYTES).toString('utf8') };
    }
  });
  // A file (or link, or submodule) asked for as a folder: its own page.
  if (found.entry.kind !== 'tree') return redirect(res, codeUrl(repo, 'blob', found.at.ref, found.at.rest));
  // After the cat-file slot is given back: the walk holds one slot at a time.
  const last = await lastCommits(
    found.t,
    found.at.commit,
    found.at.rest,
    entries.map((e) => e.name),
  );
  let readmeHtml: SafeHtml | undefined;
  if (readme)
    readmeHtml = MARKDOWN.test(readme.name.toString('latin1'))
      ? await markdown(ctx, readme.text)
      : html`<pre class="plain">${readme.text}</pre>`;
  await sendHtml(
    res,
    200,
    treePage({
      repo,
      refs: found.refs,
      at: found.at,
      head,
      entries,
      last,
      readme: readme && readmeHtml ? { name: readme.name, html: readmeHtml } : undefined,
    }),
  );
}

export async function blobRoute(ctx: WebContext, res: ServerResponse, target: Target, repo: string, segs: Buffer[]): Promise<void> {
  let size = 0;
  let bytes: Buffer | undefined;
  let binary = false;
  const found = await locateRefPath(ctx, repo, segs, async (reader, f) => {
    if (f.entry.kind !== 'blob' && f.entry.kind !== 'symlink') return;
    const b = await readBlob(reader, f.entry.oid);
    size = b.size;
    bytes = b.bytes;
    binary = b.binary;
  });
  const { entry, at } = found;
  if (entry.kind === 'tree') return redirect(res, codeUrl(repo, 'tree', at.ref, at.rest));
  const name = entry.name.toString('latin1');
  let content: FileContent;
  if (entry.kind === 'submodule') content = { kind: 'submodule', commit: entry.oid };
  else if (entry.kind === 'symlink') content = { kind: 'symlink', target: bytes ?? Buffer.alloc(0) };
  else if (!bytes) content = { kind: 'too-big' };
  else if (IMAGE.test(name)) content = { kind: 'image' };
  else if (binary) content = { kind: 'binary' };
  else if (MARKDOWN.test(name) && !target.query.has('plain')) {
    const [out] = await ctx.render.run({ kind: 'markdown', texts: [bytes.toString('utf8')] });
    content = { kind: 'markdown', html: out };
  } else {
    const h = await ctx.render.run({ kind: 'highlight', text: bytes.toString('utf8'), filename: entry.name.toString('utf8') });
    if (h.lines.length > 1 && h.lines.at(-1) === '') h.lines.pop(); // the final newline ends the last line
    content = { kind: 'code', lines: h.lines, language: h.language, markdownSwitch: MARKDOWN.test(name) };
  }
  await sendHtml(res, 200, blobPage({ repo, refs: found.refs, at, entry, size, content, selected: lineRange(target) }));
}

/** `?lines=10-20` or `?lines=10`; anything else marks nothing. */
function lineRange(target: Target): { from: number; to: number } | undefined {
  const m = /^(\d{1,7})(?:-L?(\d{1,7}))?$/.exec(target.query.get('lines') ?? '');
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = m[2] ? Number(m[2]) : from;
  return from <= to ? { from, to } : { from: to, to: from };
}

/**
 * The bytes of a file, never as HTML: text as text/plain, anything else as
 * application/octet-stream, with nosniff and a sandboxing CSP in case a
 * browser renders it anyway. Files over MAX_VIEW_BYTES stream as downloads.
 */
export async function rawRoute(ctx: WebContext, res: ServerResponse, repo: string, segs: Buffer[]): Promise<void> {
  let small: { bytes: Buffer; binary: boolean } | undefined;
  let size = 0;
  const found = await locateRefPath(ctx, repo, segs, async (reader, f) => {
    if (f.entry.kind !== 'blob' && f.entry.kind !== 'symlink') return;
    const b = await readBlob(reader, f.entry.oid);
    size = b.size;
    if (b.bytes) small = { bytes: b.bytes, binary: b.binary };
  });
  if (found.entry.kind === 'tree' || found.entry.kind === 'submodule') throw new NotFoundError('file', showPath(found.at.rest));
  const binary = !small || small.binary;
  res.statusCode = 200;
  res.setHeader('Content-Type', binary ? 'application/octet-stream' : 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Content-Length', String(size));
  const file = encodeURIComponent(found.entry.name.toString('utf8'));
  res.setHeader(
    'Content-Disposition',
    `${binary && !IMAGE.test(found.entry.name.toString('latin1')) ? 'attachment' : 'inline'}; filename*=UTF-8''${file}`,
  );
  if (small) {
    res.end(small.bytes);
    return;
  }
  await streamBlob(found.t, found.entry.oid, res);
}

export async function commitsRoute(ctx: WebContext, res: ServerResponse, target: Target, repo: string, segs: Buffer[]): Promise<void> {
  const page = readCount(target, 'page', 1, MAX_PAGE);
  const found = await locateRefPath(ctx, repo, segs);
  const path = found.at.rest.length ? Buffer.from(found.at.rest.map((s) => s.toString('latin1')).join('/'), 'latin1') : undefined;
  const log = await readLog(found.t, found.at.commit, path, page);
  await sendHtml(res, 200, commitsPage(repo, found.refs, found.at, log));
}

export async function commitRoute(ctx: WebContext, res: ServerResponse, repo: string, id: string): Promise<void> {
  const t = gitTarget(ctx, repo);
  const commit = await ObjectReader.with(t, async (reader) => readCommit(reader, await resolveCommitId(t, reader, id)));
  const view = await readCommitView(t, commit);
  // A short id works, but the page's address names the full one.
  if (view.commit.hash !== id) return redirect(res, `${repoPath(repo)}/commit/${view.commit.hash}`);
  await sendHtml(res, 200, commitPage(repo, view));
}

export async function refsRoute(ctx: WebContext, res: ServerResponse, repo: string, kind: 'branch' | 'tag'): Promise<void> {
  const t = gitTarget(ctx, repo);
  await sendHtml(res, 200, refsPage(repo, await listRefs(t), kind));
}
