// Running a git command to completion and collecting its output: the one git
// runner. (Long-lived and streaming git processes, `cat-file --batch` and
// `http-backend`, manage their own pipes but take their environment from here.)

import { execFile } from 'node:child_process';
import { UnavailableError } from '../errors.js';

export interface RunGitOptions {
  /** the repository (`--git-dir`); omitted for commands that name it themselves (`init`) */
  gitDir?: string;
  /** stdout bytes kept; beyond this the command fails with GitRunError.overflow set */
  maxBuffer?: number;
  /** the command is killed and fails after this long */
  timeoutMs?: number;
}

/** A git command that could not run, failed, overran its output bound or its time. */
export class GitRunError extends UnavailableError {
  constructor(
    message: string,
    /** what git wrote to stdout before failing (the first maxBuffer bytes on overflow) */
    readonly stdout: Buffer,
    /** true when the output outgrew maxBuffer */
    readonly overflow: boolean,
  ) {
    super(message);
  }
}

/**
 * The environment for git children: ours, without any GIT_* variable that
 * would point git at another repository, object store or config (a server
 * started from a git hook inherits GIT_DIR), and never a credential prompt.
 */
export function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  env.GIT_TERMINAL_PROMPT = '0';
  return env;
}

const DEFAULT_MAX_BUFFER = 256 * 1024 * 1024;

/** Runs `git [--git-dir DIR] args…` and resolves with its stdout. */
export function runGit(args: readonly string[], opts: RunGitOptions = {}): Promise<Buffer> {
  const argv = opts.gitDir === undefined ? [...args] : ['--git-dir', opts.gitDir, ...args];
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      argv,
      { encoding: 'buffer', maxBuffer: opts.maxBuffer ?? DEFAULT_MAX_BUFFER, timeout: opts.timeoutMs ?? 0, env: gitEnv() },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const overflow = (err as NodeJS.ErrnoException).code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER';
        const why = stderr.toString('utf8').trim() || err.message;
        const where = opts.gitDir === undefined ? '' : ` in ${opts.gitDir}`;
        reject(new GitRunError(`git ${args[0]}${where} failed: ${why}`, stdout, overflow));
      },
    );
  });
}

/** runGit, with stdout as UTF-8 text. */
export async function runGitText(args: readonly string[], opts: RunGitOptions = {}): Promise<string> {
  return (await runGit(args, opts)).toString('utf8');
}
