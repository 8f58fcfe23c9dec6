// The JSON API under /api/v1: the same data as the pages. The worker already
// answers in the API's shapes (src/cache/repo-index.ts: excerpt, publicBug; a
// bug as its JSON, already encoded).

import type { ServerResponse } from 'node:http';
import { NotFoundError } from '../errors.js';
import { listRepos, repoSummary } from '../git/repo-path.js';
import type { WebContext } from './context.js';
import { errorBody, httpStatus } from './errors.js';
import { readCount, readQ, type Target } from './request.js';
import { sendJson, sendJsonBytes } from './respond.js';

export const DEFAULT_PER_PAGE = 50;
export const MAX_PER_PAGE = 100;
const MAX_PAGE = 1_000_000;

export async function apiRepos(ctx: WebContext, res: ServerResponse): Promise<void> {
  return sendJson(res, 200, await listRepos(ctx.reposDir));
}

export async function apiRepo(ctx: WebContext, res: ServerResponse, repo: string): Promise<void> {
  const summary = await repoSummary(ctx.reposDir, repo);
  if (!summary) throw new NotFoundError('repository', repo);
  return sendJson(res, 200, summary);
}

export async function apiBugs(ctx: WebContext, res: ServerResponse, target: Target, repo: string): Promise<void> {
  const q = readQ(target);
  const page = readCount(target, 'page', 1, MAX_PAGE);
  const perPage = readCount(target, 'perPage', DEFAULT_PER_PAGE, MAX_PER_PAGE);
  const reply = await ctx.cache.call<'list'>(repo, { kind: 'list', q, page, perPage });
  // The worker's reply is already in the API's shape (src/cache/repo-index.ts).
  return sendJson(res, 200, reply);
}

export async function apiBug(ctx: WebContext, res: ServerResponse, repo: string, id: string): Promise<void> {
  const bug = await ctx.cache.call<'bug'>(repo, { kind: 'bug', prefix: id });
  // The worker wrote the API's JSON: its bytes are the body, neither parsed nor re-encoded.
  return sendJsonBytes(res, 200, bug.json);
}

export function sendApiError(res: ServerResponse, err: unknown): Promise<void> {
  return sendJson(res, httpStatus(err), errorBody(err));
}
