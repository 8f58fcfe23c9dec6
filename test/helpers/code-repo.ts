// Repositories with code for the code-browsing suites, made with the real git
// client in a work tree and pushed into a bare repository: hostile file names
// (a newline, markup, invalid UTF-8, a 255-byte name), a symbolic link
// pointing outside, a submodule, a binary, an image, a big file, branches
// with `/`, an annotated tag, a long history and two commits whose ids share
// a prefix.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GIT_ENV } from './git-client.js';
import { git, initBare } from './git-bug-writer.js';

export const NAMES = {
  newline: 'new\nline.txt',
  markup: '<img src=x onerror=alert(1)>.txt',
  /** "bad-" + 0xff 0xfe + ".txt": not UTF-8 */
  invalid: Buffer.from([0x62, 0x61, 0x64, 0x2d, 0xff, 0xfe, 0x2e, 0x74, 0x78, 0x74]),
  long: 'l'.repeat(251) + '.txt',
};

export const MAIN_TS = `// The entry point\nexport function greet(name: string): string {\n  return \`hello \${name}\`; // <b>not bold</b>\n}\n\nconst answer = 42;\n`;
export const README = '# Code fixture\n\nSee **src/main.ts**. <script>alert(1)</script>\n';
export const PAGE_HTML = '<!doctype html><script>alert(document.domain)</script><h1>not a page</h1>\n';
export const BINARY = Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00, 0x42, 0x43]);
/** 1x1 transparent PNG */
export const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4b40000000049454e44ae426082',
  'hex',
);
export const BIG_SIZE = 2 * 1024 * 1024 + 17;
export const BUG_ID = 'a'.repeat(12) + '0123456789abcdef'.repeat(3) + 'b'.repeat(4);
export const HISTORY = 70;
/** A branch name git accepts that is markup. */
export const HOSTILE_BRANCH = '"><img-src=x-onerror=alert(1)>';

export interface CodeRepo {
  bare: string;
  /** commit ids, oldest first, of the main branch */
  commits: string[];
  /** commits that touched docs/guide.md */
  guideCommits: string[];
  /** the commit that added big.txt */
  bigCommit: string;
  /** two commits whose ids share `prefix` (4 hex), neither on a branch */
  twins: { prefix: string; ids: string[] };
  submoduleCommit: string;
}

function run(cwd: string, args: string[], input?: string): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, input, encoding: 'utf8', maxBuffer: 1 << 26 }).trim();
}

function write(dir: string, name: string | Buffer, content: string | Buffer): void {
  const p = typeof name === 'string' ? path.join(dir, name) : Buffer.concat([Buffer.from(dir + '/'), name]);
  if (typeof name === 'string') mkdirSync(path.dirname(p as string), { recursive: true });
  writeFileSync(p, content);
}

/** Two commit objects whose ids start with the same 4 hex digits (found by hashing in the test). */
function twinCommits(bare: string, tree: string): { prefix: string; ids: string[] } {
  const seen = new Map<string, string>();
  for (let i = 0; ; i++) {
    const text = `tree ${tree}\nauthor T <t@e> 1700000000 +0000\ncommitter T <t@e> 1700000000 +0000\n\ntwin ${i}\n`;
    const id = createHash('sha1')
      .update(`commit ${Buffer.byteLength(text)}\0${text}`)
      .digest('hex');
    const prefix = id.slice(0, 4);
    const other = seen.get(prefix);
    if (other !== undefined) {
      const ids = [other, text].map((t) => git(bare, ['hash-object', '-t', 'commit', '-w', '--stdin'], t));
      return { prefix, ids };
    }
    seen.set(prefix, text);
  }
}

export function makeCodeRepo(reposDir: string, name = 'code'): CodeRepo {
  const bare = initBare(path.join(reposDir, `${name}.git`));
  git(bare, ['symbolic-ref', 'HEAD', 'refs/heads/main']);
  const work = path.join(reposDir, '..', `${name}-work`);
  mkdirSync(work, { recursive: true });
  run(work, ['init', '-q', '-b', 'main']);
  const commitAt = (msg: string, at: number): string => {
    execFileSync('git', ['commit', '-q', '--allow-empty', '-m', msg], {
      cwd: work,
      env: { ...GIT_ENV, GIT_AUTHOR_DATE: `${at} +0000`, GIT_COMMITTER_DATE: `${at} +0000` },
    });
    return run(work, ['rev-parse', 'HEAD']);
  };
  const commits: string[] = [];
  const guideCommits: string[] = [];
  let t = 1_700_000_000;

  write(work, 'README.md', README);
  write(work, 'src/main.ts', MAIN_TS);
  write(work, 'src/util/strings.py', 'def shout(s):\n    return s.upper()  # "<i>"\n');
  write(work, 'docs/guide.md', '# Guide\n\nRead me.\n');
  write(work, 'page.html', PAGE_HTML);
  write(work, 'bin.dat', BINARY);
  write(work, 'pixel.png', PNG);
  write(work, NAMES.newline, 'a file with a newline in its name\n');
  write(work, NAMES.markup, 'markup in the name\n');
  write(work, NAMES.invalid, 'not utf-8 in the name\n');
  write(work, NAMES.long, 'a long name\n');
  symlinkSync('../../../etc/passwd', path.join(work, 'escape-link'));
  run(work, ['add', '-A']);
  // A submodule: a gitlink entry naming a commit of another repository.
  const submoduleCommit = '0123456789abcdef0123456789abcdef01234567';
  run(work, ['update-index', '--add', '--cacheinfo', `160000,${submoduleCommit},vendor/lib`]);
  commits.push(commitAt(`First commit\n\nFixes bug ${BUG_ID}.\nAnd <script>alert(1)</script> stays text.`, t));
  guideCommits.push(commits[0]);

  for (let i = 1; i <= HISTORY; i++) {
    t += 3600;
    write(work, 'counter.txt', `count ${i}\n`);
    if (i % 10 === 0) write(work, 'docs/guide.md', `# Guide\n\nRevision ${i}.\n`);
    // Named files only: `add -A` would drop the submodule, which has no folder here.
    run(work, ['add', 'counter.txt', 'docs/guide.md']);
    commits.push(commitAt(`Count to ${i}`, t));
    if (i % 10 === 0) guideCommits.push(commits.at(-1)!);
  }
  t += 3600;
  write(work, 'big.txt', Buffer.alloc(BIG_SIZE, 'abcdefghijklmnopqrstuvwxyz\n'));
  run(work, ['add', 'big.txt']);
  const bigCommit = commitAt('Add a big file', t);
  commits.push(bigCommit);

  // Branches with a slash, and a tag whose name extends a branch's.
  run(work, ['checkout', '-q', '-b', 'feature/x']);
  write(work, 'src/main.ts', MAIN_TS.replace('42', '43'));
  run(work, ['add', 'src/main.ts']);
  commitAt('Feature x changes the answer', t + 60);
  run(work, ['checkout', '-q', 'main']);
  run(work, ['branch', 'release']);
  run(work, ['branch', HOSTILE_BRANCH]);
  run(work, ['tag', '-a', '-m', 'one point oh', 'release/1.0', commits[0]]);
  run(work, ['push', '-q', bare, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*']);
  const twins = twinCommits(bare, git(bare, ['rev-parse', `${commits[0]}^{tree}`]));
  return { bare, commits, guideCommits, bigCommit, twins, submoduleCommit };
}
