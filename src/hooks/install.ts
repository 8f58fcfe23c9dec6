// Writes bugserve's post-receive hook into bare repositories. The hook is a
// small sh script that runs `bugserve hook post-receive` with this node and
// this CLI, then runs the repository's own earlier post-receive hook (moved to
// post-receive.local) with the same input, exiting with that hook's status.

import { chmod, lstat, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadRequestError } from '../errors.js';
import { isBareRepo } from '../git/repo-path.js';
import { GITBUG_REF_PREFIXES } from '../gitbug/refs.js';

/** Marks a hook file as ours, so installing again rewrites it instead of keeping it as "local". */
export const HOOK_MARKER = '# bugserve-managed-hook v1';
export const LOCAL_HOOK = 'post-receive.local';

export interface InstallOptions {
  /** the data folder the hook reports to (its repos/ holds the repository) */
  dataDir: string;
  /** default: the node running now */
  node?: string;
  /** default: dist/src/cli.js of this installation */
  cli?: string;
}

export type InstallResult =
  /** wrote the hook; there was none before */
  | 'installed'
  /** wrote the hook and moved the repository's own hook to post-receive.local */
  | 'installed-kept-local'
  /** our hook was there with other paths: rewritten */
  | 'updated'
  | 'unchanged';

/**
 * The built CLI, found from this module's place. From dist/src/hooks/ that is
 * dist/src/cli.js; when running from the sources (tests), the project's
 * dist/src/cli.js, which `npm run build` writes.
 */
export function defaultCliPath(): string {
  const here = fileURLToPath(import.meta.url);
  const sibling = path.resolve(path.dirname(here), '..', 'cli.js');
  if (here.endsWith('.js')) return sibling;
  const root = path.resolve(path.dirname(here), '..', '..');
  return path.join(root, 'dist', 'src', 'cli.js');
}

/**
 * The sh `case` patterns that match post-receive input naming a git-bug ref:
 * each input line is "<old> <new> <ref>", so the ref follows a space.
 */
const GITBUG_REF_PATTERNS = GITBUG_REF_PREFIXES.map((p) => `*' ${p}'*`).join(' | ');

/** A POSIX sh single-quoted word. */
function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function hookScript(opts: { node: string; cli: string; dataDir: string }): string {
  for (const v of [opts.node, opts.cli, opts.dataDir]) {
    // A newline or NUL would survive quoting but not every sh; refuse them.
    if (/[\n\r\0]/.test(v)) throw new BadRequestError(`hook path contains a line break or NUL: ${JSON.stringify(v)}`);
  }
  return `#!/bin/sh
${HOOK_MARKER}
# Written by \`bugserve hooks install\`; installing again rewrites this file.
# Tells the bugserve server which git-bug refs a push changed, then runs the
# repository's own post-receive hook (kept as ${LOCAL_HOOK}) with the same input.
# bugserve's part never fails the push and gives up after a short timeout.
bugserve_node=${shQuote(opts.node)}
bugserve_cli=${shQuote(opts.cli)}
bugserve_data=${shQuote(opts.dataDir)}

input=$(cat)
# Only git-bug refs concern bugserve: other pushes do not start node at all.
case "$input" in
  ${GITBUG_REF_PATTERNS})
    if [ -f "$bugserve_cli" ]; then
      printf '%s\\n' "$input" | "$bugserve_node" "$bugserve_cli" hook post-receive --data "$bugserve_data" || true
    fi
    ;;
esac

local_hook="$(dirname "$0")/${LOCAL_HOOK}"
if [ -x "$local_hook" ]; then
  printf '%s\\n' "$input" | "$local_hook" "$@"
  exit $?
fi
exit 0
`;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** Writes via a temporary file and rename, so git never runs a half-written hook. */
async function writeExecutable(file: string, text: string): Promise<void> {
  const tmp = `${file}.bugserve-${process.pid}-${Date.now()}.tmp`;
  try {
    await writeFile(tmp, text, { mode: 0o755 });
    await chmod(tmp, 0o755);
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** Installs (or refreshes) the post-receive hook of the bare repository at repoPath. */
export async function installHook(repoPath: string, opts: InstallOptions): Promise<InstallResult> {
  const hooksDir = path.join(repoPath, 'hooks');
  const hook = path.join(hooksDir, 'post-receive');
  const script = hookScript({
    node: opts.node ?? process.execPath,
    cli: opts.cli ?? defaultCliPath(),
    dataDir: path.resolve(opts.dataDir),
  });

  if (!isBareRepo(repoPath)) {
    throw new BadRequestError(`${repoPath} is not a git repository`);
  }
  await mkdir(hooksDir, { recursive: true });

  const current = await readIfExists(hook);
  if (current === script) {
    // Keep the executable bit honest too.
    if (((await stat(hook)).mode & 0o111) === 0) await chmod(hook, 0o755);
    return 'unchanged';
  }
  if (current !== undefined && current.includes(HOOK_MARKER)) {
    await writeExecutable(hook, script);
    return 'updated';
  }
  let kept = false;
  if (current !== undefined || (await exists(hook))) {
    // Someone else's hook: keep it (rename preserves its mode) and run it from ours.
    const local = path.join(hooksDir, LOCAL_HOOK);
    if (await exists(local)) {
      throw new BadRequestError(`${hook} is not bugserve's and ${LOCAL_HOOK} exists too; merge them into ${LOCAL_HOOK} and install again`);
    }
    await rename(hook, local);
    kept = true;
  }
  await writeExecutable(hook, script);
  return kept ? 'installed-kept-local' : 'installed';
}
