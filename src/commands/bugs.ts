// `bugserve bugs REPO_PATH [--json] [--query Q]`: compiles a repository's bugs
// without a server. Damaged bugs go to stderr with their reason, exit status 1.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { publicBug } from '../cache/repo-index.js';
import { openGitStore, type GitBackend } from '../git/open.js';
import { humanId } from '../gitbug/id.js';
import { loadRepository } from '../gitbug/load.js';
import { buildSearchIndex, runQuery } from '../gitbug/query-match.js';
import { parseQuery } from '../gitbug/query.js';
import type { CompiledBug } from '../gitbug/types.js';
import { parseArgs, stringFlag, UsageError } from './args.js';

export async function bugs(args: string[]): Promise<number> {
  const parsed = parseArgs(args, ['json']);
  const repoPath = parsed.positional[0];
  if (!repoPath || parsed.positional.length > 1) throw new UsageError('usage: bugserve bugs REPO_PATH [--json] [--query Q]');
  if (!existsSync(join(repoPath, 'HEAD')) && !existsSync(join(repoPath, '.git'))) {
    process.stderr.write(`bugserve: ${repoPath} is not a git repository\n`);
    return 2;
  }
  const gitDir = existsSync(join(repoPath, '.git', 'HEAD')) ? join(repoPath, '.git') : repoPath;
  const query = parseQuery(stringFlag(parsed, 'query') ?? '');
  const backend = stringFlag(parsed, 'backend') as GitBackend | undefined;

  const store = openGitStore(gitDir, backend);
  let repo;
  try {
    repo = await loadRepository(store);
  } finally {
    await store.close();
  }
  const selected = runQuery(buildSearchIndex(repo.bugs, repo.identities), query);

  const out: string[] = [];
  if (parsed.flags.get('json')) {
    for (const bug of selected) out.push(JSON.stringify(publicBug(bug)));
  } else {
    out.push(table(selected));
  }
  await write(out.join('\n') + (out.length ? '\n' : ''));

  for (const d of [...repo.damagedIdentities.map((d) => ({ ...d, what: 'identity' })), ...repo.damaged.map((d) => ({ ...d, what: 'bug' }))]) {
    process.stderr.write(`damaged ${d.what} ${d.id}: ${d.reason}\n`);
  }
  return repo.damaged.length > 0 || repo.damagedIdentities.length > 0 ? 1 : 0;
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
  return all.map((r) => r.map((c, i) => c + ' '.repeat(widths[i] - [...c].length)).join('  ').trimEnd()).join('\n');
}

/** Waits for stdout to take the data, so a large listing is not cut at exit. */
function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
}
