// History: a page of `git log` from a commit, optionally for one path.

import { BadRequestError } from '../errors.js';
import { GitCommandError, runBoundedGit, type GitTarget } from './run.js';

export interface CommitSummary {
  hash: string;
  parents: string[];
  author: { name: string; email: string };
  /** ISO times */
  authoredAt: string;
  committedAt: string;
  subject: string;
}

export const COMMITS_PER_PAGE = 50;
const FIELDS = 7;
const FORMAT = ['%H', '%P', '%an', '%ae', '%at', '%ct', '%s'].join('%x00');

const iso = (seconds: string) => new Date(Number(seconds) * 1000).toISOString();

export function parseLog(out: Buffer): CommitSummary[] {
  // -z: records end in NUL, fields are NUL-separated too: FIELDS fields per commit.
  const f = out.toString('utf8').split('\0');
  const commits: CommitSummary[] = [];
  for (let i = 0; i + FIELDS <= f.length; i += FIELDS) {
    const hash = f[i].replace(/^\n/, '');
    if (!hash) break;
    commits.push({
      hash,
      parents: f[i + 1] ? f[i + 1].split(' ') : [],
      author: { name: f[i + 2], email: f[i + 3] },
      authoredAt: iso(f[i + 4]),
      committedAt: iso(f[i + 5]),
      subject: f[i + 6],
    });
  }
  return commits;
}

export interface LogPage {
  commits: CommitSummary[];
  page: number;
  perPage: number;
  hasMore: boolean;
}

/** One page of history from `commit`; `path` (bytes) limits it to commits touching that path. */
export async function readLog(
  t: GitTarget,
  commit: string,
  path: Buffer | undefined,
  page: number,
  perPage = COMMITS_PER_PAGE,
): Promise<LogPage> {
  if (path && path.includes(0x0a)) throw new BadRequestError('history cannot be listed for a path with a newline in it');
  const input = path && path.length ? Buffer.concat([Buffer.from(`${commit}\n--\n`), path, Buffer.from('\n')]) : Buffer.from(`${commit}\n`);
  const r = await runBoundedGit(
    t,
    ['log', '--stdin', '-z', `--format=${FORMAT}`, `--skip=${(page - 1) * perPage}`, `--max-count=${perPage + 1}`],
    { input, maxBytes: 4 * 1024 * 1024 },
  );
  if (r.code !== 0 && !r.truncated) throw new GitCommandError(['log'], r.code, r.stderr);
  const all = parseLog(r.stdout);
  return { commits: all.slice(0, perPage), page, perPage, hasMore: all.length > perPage };
}
