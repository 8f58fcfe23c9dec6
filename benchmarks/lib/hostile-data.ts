// Repositories with hostile content for the soak run: a bug with a huge
// comment, bugs of pathological Markdown, a README of pathological Markdown.
// Written with git plumbing in git-bug's format (the same layout as
// test/helpers/git-bug-writer.ts, which the compiled benchmarks cannot import).

import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';

const EMPTY_BLOB = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function git(repo: string, args: string[], input?: string): string {
  return execFileSync('git', ['--git-dir', repo, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 28 }).trim();
}

const blob = (repo: string, text: string) => git(repo, ['hash-object', '-w', '--stdin'], text);
const tree = (repo: string, entries: [string, string][]) =>
  git(repo, ['mktree'], entries.map(([name, oid]) => `100644 blob ${oid}\t${name}`).join('\n') + '\n');
// git-bug's commits have an empty author, which `git commit-tree` refuses.
const commit = (repo: string, treeOid: string, parents: string[]) =>
  git(
    repo,
    ['hash-object', '-t', 'commit', '-w', '--stdin'],
    [`tree ${treeOid}`, ...parents.map((p) => `parent ${p}`), 'author  <> 1700000000 +0000', 'committer  <> 1700000000 +0000', '', ''].join(
      '\n',
    ),
  );

let clock = 1;
const nonce = () => randomBytes(20).toString('base64');

function identity(repo: string, name: string): string {
  const version = JSON.stringify({
    version: 2,
    times: { 'bugs-create': 1, 'bugs-edit': 1 },
    unix_time: 1700000000,
    name,
    email: '',
    login: name,
    nonce: nonce(),
  });
  const id = sha256(version);
  git(repo, ['update-ref', `refs/identities/${id}`, commit(repo, tree(repo, [['version', blob(repo, version)]]), [])]);
  return id;
}

/** A bug of one create op and `comments` comment ops, one pack each; returns its id. */
function bug(repo: string, author: string, title: string, body: string, comments: string[]): string {
  git(repo, ['hash-object', '-w', '--stdin'], '');
  const create = { type: 1, timestamp: 1700000000, nonce: nonce(), title, message: body, files: null };
  const packs = [[create], ...comments.map((m, i) => [{ type: 3, timestamp: 1700000100 + i, nonce: nonce(), message: m, files: null }])];
  let head = '';
  packs.forEach((ops, i) => {
    const entries: [string, string][] = [
      ['version-4', EMPTY_BLOB],
      ['ops', blob(repo, JSON.stringify({ author: { id: author }, ops }))],
      [`edit-clock-${++clock}`, EMPTY_BLOB],
    ];
    if (i === 0) entries.push([`create-clock-${++clock}`, EMPTY_BLOB]);
    head = commit(repo, tree(repo, entries), head ? [head] : []);
  });
  const id = sha256(JSON.stringify(create));
  git(repo, ['update-ref', `refs/bugs/${id}`, head]);
  return id;
}

export interface HostileRepo {
  /** a bug with a 5 MB comment */
  bigId: string;
  /** bugs of ten 200 KB comments of `![` each */
  markdownIds: string[];
}

/** Fills the bare repository at `repo` (already initialised) with hostile content. */
export function writeHostileRepo(repo: string): HostileRepo {
  const author = identity(repo, 'mallory');
  const bigId = bug(repo, author, 'a 5 MB comment', 'lorem ipsum dolor sit amet '.repeat(200_000), ['short reply']);
  const markdownIds = [0, 1, 2].map((b) =>
    bug(
      repo,
      author,
      `heavy Markdown ${b}`,
      `${b} ` + '!['.repeat(100_000),
      Array.from({ length: 9 }, (_, i) => `${b}.${i} ` + '!['.repeat(100_000)),
    ),
  );
  // README.md of 200 KB of `![` on the default branch.
  const readme = tree(repo, [['README.md', blob(repo, '!['.repeat(100_000))]]);
  const head = git(repo, ['symbolic-ref', 'HEAD']);
  git(repo, ['update-ref', head, commit(repo, readme, [])]);
  return { bigId, markdownIds };
}
