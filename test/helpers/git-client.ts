// The git client as a user runs it, sandboxed: no user or system config, no
// credential helper, never a password prompt (a refused push must fail, not wait).

import { execFile } from 'node:child_process';

/** git plumbing with a fixed identity and no user or system config. */
export const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.org',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.org',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Commands run with HOME at `home()` (evaluated per call: suites set it in beforeAll). */
export function gitSandbox(home: () => string) {
  const run = (cmd: string, args: string[], cwd = home()): Promise<Run> => {
    const started = Date.now();
    return new Promise((resolve) => {
      execFile(
        cmd,
        args,
        {
          cwd,
          maxBuffer: 64 * 1024 * 1024,
          env: {
            PATH: process.env.PATH,
            HOME: home(),
            GIT_CONFIG_NOSYSTEM: '1',
            GIT_CONFIG_GLOBAL: '/dev/null',
            GIT_TERMINAL_PROMPT: '0',
            GIT_ASKPASS: '/bin/false',
            SSH_ASKPASS: '/bin/false',
          },
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr), ms: Date.now() - started });
        },
      );
    });
  };
  const git = (args: string[], cwd?: string) =>
    run('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args], cwd);
  const gitOk = async (args: string[], cwd?: string): Promise<string> => {
    const r = await git(args, cwd);
    if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim();
  };
  return { run, git, gitOk };
}
