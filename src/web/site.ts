// The HTML pages' route handlers: read the request, ask the repository folder
// or the cache, render a page. Errors become pages in sendErrorPage.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ByteLru } from '../cache/byte-lru.js';
import { bugOf } from '../cache/protocol.js';
import { AmbiguousIdError, BugserveError, DamagedDataError, InvalidQueryError, NotFoundError } from '../errors.js';
import { countBugs } from '../git/bug-count.js';
import { listRepos, repoDir, repoExists, repoSummary } from '../git/repo-path.js';
import { DEFAULT_QUERY, parseQuery } from '../gitbug/query.js';
import { httpStatus } from './errors.js';
import type { WebContext } from './context.js';
import { repoPath } from './html.js';
import { bugListPage } from './pages/bug-list.js';
import { bugPage, markdownTexts } from './pages/bug.js';
import { ambiguousCommitPage } from './pages/commit.js';
import { ambiguousPage, errorPage, type Candidate } from './pages/error.js';
import { indexPage } from './pages/index.js';
import { repoPage } from './pages/repo.js';
import { readReadme } from './readme.js';
import { readCount, readQ, type Target } from './request.js';
import { publicHost, sendHtml } from './respond.js';

export const PAGE_SIZE = 25;
const MAX_PAGE = 1_000_000;

export async function indexRoute(ctx: WebContext, res: ServerResponse): Promise<void> {
  const repos = await listRepos(ctx.reposDir);
  // Counted from the ref files, a few at a time: the index opens no cache.
  const counts: (number | undefined)[] = [];
  for (let i = 0; i < repos.length; i += 8) {
    counts.push(...(await Promise.all(repos.slice(i, i + 8).map((r) => countBugs(repoDir(ctx.reposDir, r.name))))));
  }
  return sendHtml(res, 200, indexPage(repos.map((r, i) => ({ ...r, bugs: counts[i] }))));
}

export async function repoRoute(ctx: WebContext, req: IncomingMessage, res: ServerResponse, repo: string): Promise<void> {
  const summary = await repoSummary(ctx.reposDir, repo);
  if (!summary) throw new NotFoundError('repository', repo);
  const dir = repoDir(ctx.reposDir, repo);
  const [readme, bugs] = await Promise.all([readReadme(dir), countBugs(dir)]);
  // Kept by blob id: the same blob is the same text.
  const readmeHtml = readme?.markdown
    ? (await ctx.markdown.texts(`${repo}\0readme\0${readme.blob}`, repo, [readme.text])).get(readme.text)
    : undefined;
  const cloneUrl = `http://${publicHost(req, ctx.fallbackHost)}${repoPath(repo)}.git`;
  return sendHtml(res, 200, repoPage({ ...summary, bugs }, cloneUrl, readme, readmeHtml));
}

export async function bugListRoute(ctx: WebContext, res: ServerResponse, target: Target, repo: string): Promise<void> {
  const q = readQ(target);
  const page = readCount(target, 'page', 1, MAX_PAGE);
  try {
    // Read here first, so a mistyped query costs no worker and keeps its search box.
    parseQuery(q ?? DEFAULT_QUERY);
    const reply = await ctx.cache.call<'list'>(repo, { kind: 'list', q, page, perPage: PAGE_SIZE });
    return await sendHtml(res, 200, bugListPage({ repo, q, reply }));
  } catch (err) {
    if (!(err instanceof InvalidQueryError)) throw err;
    if (!repoExists(ctx.reposDir, repo)) throw new NotFoundError('repository', repo);
    return sendHtml(res, httpStatus(err), bugListPage({ repo, q, error: err.message }));
  }
}

// The Markdown of a bug's comments is rendered off the main thread and kept
// by repository and full id (whatever prefix was typed). The whole page is
// kept encoded too, briefly (it shows relative times: "3 minutes ago"), and
// only for the same bug JSON (the cache's reply until the repository
// changes): a long thread costs the event loop tens of ms to assemble.
// The worker's JSON is parsed only to render; the parsed bug is not kept
// (the reply cache keeps the JSON, whose bytes its bound counts).
const PAGE_TTL_MS = 30_000;
const bugPages = new ByteLru<{ json: Uint8Array; at: number; body: Buffer }>(64 * 1024 * 1024);

export async function bugRoute(ctx: WebContext, res: ServerResponse, repo: string, id: string): Promise<void> {
  const reply = await ctx.cache.call<'bug'>(repo, { kind: 'bug', prefix: id });
  const key = `${repo}\0${reply.id}`;
  const kept = bugPages.get(key);
  // Usually the very buffer the reply cache handed out before; compared by content otherwise.
  const same = kept !== undefined && (kept.json === reply.json || Buffer.compare(kept.json, reply.json) === 0);
  if (kept && same && Date.now() - kept.at < PAGE_TTL_MS) return sendHtml(res, 200, kept.body);
  const bug = bugOf(reply);
  const rendered = await ctx.markdown.texts(`${repo}\0bug\0${bug.id}`, repo, markdownTexts(bug));
  const body = Buffer.from(bugPage(repo, bug, rendered));
  // The JSON is held for that comparison: it counts too.
  bugPages.set(key, { json: reply.json, at: Date.now(), body }, body.length + reply.json.byteLength);
  return sendHtml(res, 200, body);
}

/** The matches of an ambiguous prefix, with titles when the cache can give them. */
async function candidates(ctx: WebContext, repo: string, ids: readonly string[]): Promise<Candidate[]> {
  return Promise.all(
    ids.slice(0, 20).map(async (id) => {
      try {
        const b = bugOf(await ctx.cache.call<'bug'>(repo, { kind: 'bug', prefix: id }));
        return { id, title: b.title, status: b.status };
      } catch {
        return { id };
      }
    }),
  );
}

function describe(err: unknown): string {
  if (err instanceof NotFoundError && err.what === 'page') return `There is no page at ${err.key}.`;
  if (err instanceof NotFoundError) return `No ${err.what} "${err.key}" here.`;
  if (err instanceof DamagedDataError) return `This repository's bug data is damaged and cannot be read: ${err.message}`;
  if (err instanceof BugserveError) return err.message;
  return 'The server failed to answer this request. The problem has been logged.';
}

/** `repo`: the existing repository the page belongs to, for its breadcrumbs and back link. */
export async function sendErrorPage(ctx: WebContext, res: ServerResponse, err: unknown, repo: string | undefined): Promise<void> {
  const status = httpStatus(err);
  if (err instanceof AmbiguousIdError && repo && err.what === 'commit') {
    await sendHtml(res, status, ambiguousCommitPage(repo, err.prefix, err.candidates));
    return;
  }
  if (err instanceof AmbiguousIdError && repo) {
    return sendHtml(res, status, ambiguousPage(repo, err.prefix, await candidates(ctx, repo, err.candidates), err.candidates.length));
  }
  const heading = err instanceof DamagedDataError ? 'Damaged bug data' : undefined;
  return sendHtml(res, status, errorPage(status, describe(err), repo, undefined, heading));
}
