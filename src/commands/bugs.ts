// `bugserve bugs REPO_PATH [--json] [--query Q] [--no-index]`: compiles a repository's bugs
// without a server, reading (never writing) the server's index of it when there is
// one. Damaged bugs go to stderr with their reason, exit status 1.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidQueryError } from '../errors.js';
import { publicBug } from '../cache/repo-index.js';
import { openGitStore, type GitBackend } from '../git/open.js';
import { humanId } from '../gitbug/id.js';
import { loadRepository } from '../gitbug/load.js';
import { existingIndexFileOf } from '../index/index-file.js';
import { readRepository } from '../index/open.js';
import { buildSearchIndex, runQuery } from '../gitbug/query-match.js';
import { parseQuery } from '../gitbug/query.js';
import type { CompiledBug } from '../gitbug/types.js';
import { stringValue, UsageError, type CommandSpec, type Parsed } from './args.js';

const BACKENDS: readonly GitBackend[] = ['cat-file', 'isomorphic-git'];

export const spec: CommandSpec = {
  name: 'bugs',
  synopsis: 'REPO_PATH [options]',
  summary: "Compile a repository's bugs without a server and list them. A damaged bug is named on stderr and the exit status is 1.",
  positionals: { min: 1, max: 1, names: 'REPO_PATH' },
  options: [
    { name: 'query', type: 'string', value: 'QUERY', help: 'git-bug query, e.g. "status:open label:ui sort:edit"', default: 'every bug' },
    { name: 'json', type: 'boolean', help: 'one API-shaped bug per line instead of a table' },
    {
      name: 'backend',
      type: 'string',
      value: BACKENDS.join('|'),
      help: 'how git is read (isomorphic-git: for benchmarks)',
      default: 'cat-file',
    },
    { name: 'no-index', type: 'boolean', help: 'compile from scratch, ignoring any stored index' },
  ],
};

export async function run(parsed: Parsed): Promise<number> {
  const repoPath = parsed.positionals[0];
  const backend = stringValue(parsed, 'backend') as GitBackend | undefined;
  if (backend !== undefined && !BACKENDS.includes(backend)) throw new UsageError(`--backend is ${BACKENDS.join(' or ')}, not "${backend}"`);
  const query = parseQueryOrUsage(stringValue(parsed, 'query') ?? '');
  const noIndex = parsed.values['no-index'] === true;
  if (!existsSync(join(repoPath, 'HEAD')) && !existsSync(join(repoPath, '.git'))) {
    process.stderr.write(`bugserve: ${repoPath} is not a git repository\n`);
    return 2;
  }
  const gitDir = existsSync(join(repoPath, '.git', 'HEAD')) ? join(repoPath, '.git') : repoPath;

  const store = openGitStore(gitDir, backend);
  let repo;
  try {
    // A server's index (read, never written here) saves compiling unchanged
    // bugs; any trouble with it, or --no-index, means a from-scratch compile.
    const indexFile = noIndex ? undefined : existingIndexFileOf(gitDir);
    repo = indexFile ? await readRepository(store, indexFile).catch(() => loadRepository(store)) : await loadRepository(store);
  } finally {
    await store.close();
  }
  const selected = runQuery(buildSearchIndex(repo.bugs, repo.identities), query);

  const out: string[] = [];
  if (parsed.values.json === true) {
    for (const bug of selected) out.push(JSON.stringify(publicBug(bug)));
  } else {
    out.push(table(selected));
  }
  await write(out.join('\n') + (out.length ? '\n' : ''));

  for (const d of [
    ...repo.damagedIdentities.map((d) => ({ ...d, what: 'identity' })),
    ...repo.damaged.map((d) => ({ ...d, what: 'bug' })),
  ]) {
    process.stderr.write(`damaged ${d.what} ${d.id}: ${d.reason}\n`);
  }
  return repo.damaged.length > 0 || repo.damagedIdentities.length > 0 ? 1 : 0;
}

function parseQueryOrUsage(text: string) {
  try {
    return parseQuery(text);
  } catch (err) {
    if (err instanceof InvalidQueryError) throw new UsageError(`--query: ${err.message}`);
    throw err;
  }
}

function table(bugs: CompiledBug[]): string {
  const rows = bugs.map((b) => [
    humanId(b.id),
    b.status,
    b.title.replace(/\s+/g, ' ').slice(0, 70),
    b.author.name,
    b.labels.join(','),
    String(b.comments.length),
  ]);
  const header = ['ID', 'STATUS', 'TITLE', 'AUTHOR', 'LABELS', 'COMMENTS'];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => [...r[i]].length)));
  return all
    .map((r) =>
      r
        .map((c, i) => c + ' '.repeat(widths[i] - [...c].length))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Waits for stdout to take the data, so a large listing is not cut at exit. */
function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
}
