// Maps decoded path segments to a route. Repository names contain `/`, so a
// path like /group/app/bugs/abc is read from the end: the longest prefix that
// names an existing repository wins (a repository called "x/bugs" shadows the
// bug list of "x"). When no prefix exists, the most specific reading is kept
// so the handler can answer "repository not found" for the right name.

import { isRepoName, MAX_GROUP_DEPTH } from '../git/repo-path.js';

export type Route =
  | { kind: 'index' }
  | { kind: 'healthz' }
  | { kind: 'metrics' }
  | { kind: 'style' }
  | { kind: 'git'; repo: string; path: string }
  | { kind: 'repo'; repo: string }
  | { kind: 'bugs'; repo: string }
  | { kind: 'bug'; repo: string; id: string }
  | { kind: 'api-repos' }
  | { kind: 'api-repo'; repo: string }
  | { kind: 'api-bugs'; repo: string }
  | { kind: 'api-bug'; repo: string; id: string }
  // Code: `at` is the index in the request's segments where `{ref}/{path}` starts.
  | { kind: 'tree' | 'blob' | 'raw' | 'commits'; repo: string; at: number }
  | { kind: 'commit'; repo: string; id: string }
  | { kind: 'branches' | 'tags'; repo: string }
  | { kind: 'api-tree' | 'api-blob' | 'api-commits'; repo: string; at: number }
  | { kind: 'api-commit'; repo: string; id: string }
  | { kind: 'not-found' };

/** Route patterns for metrics and logs: bounded, never the raw path. */
export const ROUTE_PATTERNS: Record<Route['kind'], string> = {
  index: '/',
  healthz: '/-/healthz',
  metrics: '/-/metrics',
  style: '/-/style.css',
  git: '/{repo}.git/*',
  repo: '/{repo}',
  bugs: '/{repo}/bugs',
  bug: '/{repo}/bugs/{id}',
  'api-repos': '/api/v1/repos',
  'api-repo': '/api/v1/repos/{repo}',
  'api-bugs': '/api/v1/repos/{repo}/bugs',
  'api-bug': '/api/v1/repos/{repo}/bugs/{id}',
  tree: '/{repo}/tree/{ref}/{path}',
  blob: '/{repo}/blob/{ref}/{path}',
  raw: '/{repo}/raw/{ref}/{path}',
  commits: '/{repo}/commits/{ref}/{path}',
  commit: '/{repo}/commit/{hash}',
  branches: '/{repo}/branches',
  tags: '/{repo}/tags',
  'api-tree': '/api/v1/repos/{repo}/tree/{ref}/{path}',
  'api-blob': '/api/v1/repos/{repo}/blob/{ref}/{path}',
  'api-commits': '/api/v1/repos/{repo}/commits/{ref}/{path}',
  'api-commit': '/api/v1/repos/{repo}/commit/{hash}',
  'not-found': 'unmatched',
};

type CodeWord = 'tree' | 'blob' | 'raw' | 'commits';
type Tail =
  | { kind: 'repo' }
  | { kind: 'bugs' }
  | { kind: 'bug'; id: string }
  | { kind: CodeWord; at: number }
  | { kind: 'commit'; id: string }
  | { kind: 'branches' | 'tags' };
const CODE_WORDS = new Set<string>(['tree', 'blob', 'raw', 'commits']);
type Exists = (repo: string) => boolean | Promise<boolean>;

/** Path prefixes the server answers itself, before any repository name is read. */
const RESERVED_FIRST = '-';
const API_ROOT = ['api', 'v1'];
/** Words that start a route after a repository's name (/{repo}/bugs/…). A route added after a name adds its word here. */
const TAIL_WORDS = new Set<string>(['bugs', 'branches', 'tags', 'commit', ...CODE_WORDS]);

/**
 * Why a new repository may not take `name`, or undefined when it may: the
 * name would be hidden by one of the server's own paths (`api/v1/…`, `-/…`),
 * or would hide pages of another repository (`x/bugs`, `x/tree/…`). Existing
 * repositories are still served as before.
 */
export function routeClash(name: string): string | undefined {
  const segs = name.split('/');
  if (segs[0] === RESERVED_FIRST) return `/${RESERVED_FIRST}/ is reserved for the server`;
  if (API_ROOT.every((s, i) => segs[i] === s)) return `/${API_ROOT.join('/')}/ is the JSON API`;
  const word = segs.slice(1).find((s) => TAIL_WORDS.has(s));
  if (word) return `a "${word}" segment after the first would hide another repository's pages`;
  return undefined;
}

/**
 * Splits segments into a repository name and what follows it. Candidates are
 * tried longest name first; invalid names are never looked up on disk. With no
 * valid candidate at all, the most specific one is returned and its name is
 * rejected later with a 400.
 */
async function splitRepo(segs: string[], exists: Exists): Promise<{ repo: string; tail: Tail } | undefined> {
  const n = segs.length;
  if (n === 0) return undefined;
  const candidates: { repo: string; tail: Tail }[] = [{ repo: segs.join('/'), tail: { kind: 'repo' } }];
  if (n >= 2 && segs[n - 1] === 'bugs') candidates.push({ repo: segs.slice(0, -1).join('/'), tail: { kind: 'bugs' } });
  if (n >= 3 && segs[n - 2] === 'bugs') {
    candidates.push({ repo: segs.slice(0, -2).join('/'), tail: { kind: 'bug', id: segs[n - 1] } });
  }
  if (n >= 2 && (segs[n - 1] === 'branches' || segs[n - 1] === 'tags')) {
    candidates.push({ repo: segs.slice(0, -1).join('/'), tail: { kind: segs[n - 1] as 'branches' | 'tags' } });
  }
  if (n >= 3 && segs[n - 2] === 'commit') candidates.push({ repo: segs.slice(0, -2).join('/'), tail: { kind: 'commit', id: segs[n - 1] } });
  // Code views take any path after the word, so the word may be anywhere a repository name can end.
  for (let i = Math.min(n - 1, MAX_GROUP_DEPTH); i >= 1; i--) {
    if (CODE_WORDS.has(segs[i])) candidates.push({ repo: segs.slice(0, i).join('/'), tail: { kind: segs[i] as CodeWord, at: i + 1 } });
  }
  // Longest name first (a repository "x/tree" shadows the code of "x").
  candidates.sort((a, b) => b.repo.length - a.repo.length);
  const valid = candidates.filter((c) => isRepoName(c.repo));
  for (const c of valid) if (await exists(c.repo)) return c;
  return valid.at(-1) ?? candidates.at(-1);
}

export async function matchRoute(segs: string[], exists: Exists): Promise<Route> {
  if (segs.length === 0) return { kind: 'index' };
  // Repository name segments never end in ".git", so the first one that does
  // ends the name of a repository served over git smart HTTP. Checked before
  // the server's own paths, so a push to a name under them gets a clear
  // refusal from git-http rather than a 404; only /api/v1/repos/ is left to
  // the API, whose code paths may hold such segments.
  const gitAt = segs.findIndex((s) => s.toLowerCase().endsWith('.git'));
  const underApiRepos = segs[0] === API_ROOT[0] && segs[1] === API_ROOT[1] && segs[2] === 'repos';
  if (gitAt !== -1 && !underApiRepos) {
    const repo = [...segs.slice(0, gitAt), segs[gitAt].slice(0, -4)].join('/');
    const rest = segs.slice(gitAt + 1);
    return { kind: 'git', repo, path: rest.length ? '/' + rest.join('/') : '' };
  }
  if (segs[0] === RESERVED_FIRST) {
    if (segs.length === 2 && segs[1] === 'healthz') return { kind: 'healthz' };
    if (segs.length === 2 && segs[1] === 'metrics') return { kind: 'metrics' };
    if (segs.length === 2 && segs[1] === 'style.css') return { kind: 'style' };
    return { kind: 'not-found' };
  }

  if (segs[0] === API_ROOT[0] && segs[1] === API_ROOT[1]) {
    if (segs[2] !== 'repos') return { kind: 'not-found' };
    if (segs.length === 3) return { kind: 'api-repos' };
    const split = await splitRepo(segs.slice(3), exists);
    if (!split) return { kind: 'not-found' };
    const { repo, tail } = split;
    switch (tail.kind) {
      case 'repo':
        return { kind: 'api-repo', repo };
      case 'bugs':
        return { kind: 'api-bugs', repo };
      case 'bug':
        return { kind: 'api-bug', repo, id: tail.id };
      case 'tree':
      case 'blob':
      case 'commits':
        return { kind: `api-${tail.kind}`, repo, at: tail.at + 3 };
      case 'commit':
        return { kind: 'api-commit', repo, id: tail.id };
      case 'raw':
      case 'branches':
      case 'tags':
        return { kind: 'not-found' };
      default:
        return tail satisfies never;
    }
  }

  const split = await splitRepo(segs, exists);
  if (!split) return { kind: 'not-found' };
  const { repo, tail } = split;
  switch (tail.kind) {
    case 'repo':
    case 'bugs':
    case 'branches':
    case 'tags':
      return { kind: tail.kind, repo };
    case 'bug':
    case 'commit':
      return { kind: tail.kind, repo, id: tail.id };
    case 'tree':
    case 'blob':
    case 'raw':
    case 'commits':
      return { kind: tail.kind, repo, at: tail.at };
    default:
      return tail satisfies never;
  }
}
