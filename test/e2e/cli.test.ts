// The `bugserve` command as a person types it: the built CLI in a child
// process. Every command answers --help with its options and environment
// variables (exit 0) and a bad option with one line and exit 2; a bad
// environment value names its variable; a taken port says so first.

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, CLI } from '../helpers/build.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';
import { smallRepo, tempDir } from '../helpers/git-bug-writer.js';
import { gitSandbox } from '../helpers/git-client.js';
import { getJson, spawnServer } from '../helpers/server.js';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

let tmp: { path: string; remove: () => void };

/** The CLI with only the environment given (no BUGSERVE_* from the caller). */
function bugserve(args: string[], env: Record<string, string> = {}, input = ''): Ran {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BUGSERVE_') && k !== 'GIT_DIR') base[k] = v;
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...base, ...env },
    input,
    encoding: 'utf8',
    timeout: 30_000,
    cwd: tmp.path,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Each command as typed, its options and the environment variables its help must name.
const COMMANDS: { argv: string[]; options: string[]; env: string[] }[] = [
  {
    argv: ['serve'],
    options: ['--data', '--listen', '--idle-timeout', '--max-workers', '--cache', '--log-level', '--image-hosts'],
    env: [
      'BUGSERVE_DATA',
      'BUGSERVE_LISTEN',
      'BUGSERVE_IDLE_TIMEOUT',
      'BUGSERVE_MAX_WORKERS',
      'BUGSERVE_CACHE',
      'BUGSERVE_LOG_LEVEL',
      'BUGSERVE_IMAGE_HOSTS',
      'BUGSERVE_PUSH_TOKEN',
    ],
  },
  { argv: ['bugs'], options: ['--query', '--json', '--backend', '--no-index'], env: [] },
  { argv: ['gen'], options: ['--bugs', '--identities', '--comments', '--seed', '--packed-refs'], env: [] },
  { argv: ['hooks', 'install'], options: ['--data'], env: ['BUGSERVE_DATA'] },
  { argv: ['hook', 'post-receive'], options: ['--data'], env: ['BUGSERVE_DATA', 'GIT_DIR'] },
];

beforeAll(() => {
  ensureBuilt();
  tmp = tempDir('bugserve-cli-');
}, 240_000);

afterAll(() => tmp?.remove());

describe('bugserve COMMAND --help', () => {
  for (const c of COMMANDS) {
    const name = c.argv.join(' ');
    it(`${name} --help lists its options and environment variables`, () => {
      for (const argv of [
        [...c.argv, '--help'],
        [c.argv[0], '-h'],
      ]) {
        const r = bugserve(argv);
        expect(r.stderr, argv.join(' ')).toBe('');
        expect(r.code, argv.join(' ')).toBe(0);
        expect(r.stdout).toContain(`Usage: bugserve ${name}`);
        for (const o of [...c.options, '--help']) expect(r.stdout, `${name} --help names ${o}`).toMatch(new RegExp(`^\\s+${o}\\b`, 'm'));
        if (c.env.length) expect(r.stdout).toMatch(/^Environment:$/m);
        for (const e of c.env) expect(r.stdout, `${name} --help names ${e}`).toContain(e);
      }
    });
  }

  it('bugserve --help lists every command; --version prints the version', () => {
    const help = bugserve(['--help']);
    expect(help.code).toBe(0);
    for (const c of COMMANDS) expect(help.stdout).toContain(`bugserve ${c.argv.join(' ')}`);
    const version = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).version as string;
    const v = bugserve(['--version']);
    expect(v).toEqual({ code: 0, stdout: `bugserve ${version}\n`, stderr: '' });
  });
});

describe('usage errors: one message, exit 2, for every command', () => {
  for (const c of COMMANDS) {
    const name = c.argv.join(' ');
    it(`${name} --bogus`, () => {
      const r = bugserve([...c.argv, '--bogus']);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toBe(`bugserve ${name}: unknown option --bogus`);
      expect(r.stderr).toContain(`bugserve ${name} --help`);
    });
  }

  it('a string option without its value, a missing argument, an extra argument, a wrong subcommand', () => {
    const cases: [string[], RegExp][] = [
      [['serve', '--listen'], /^bugserve serve: --listen needs a value$/m],
      [['serve', 'extra'], /^bugserve serve: unexpected argument "extra"$/m],
      [['bugs'], /^bugserve bugs: REPO_PATH is required$/m],
      [['bugs', 'a', 'b'], /^bugserve bugs: unexpected argument "b"$/m],
      [['bugs', '.', '--backend', 'svn'], /^bugserve bugs: --backend is cat-file or isomorphic-git, not "svn"$/m],
      [['bugs', '.', '--query', 'status:maybe'], /^bugserve bugs: --query: /m],
      [['gen', path.join('x.git'), '--bugs', '3'], /^bugserve gen: --identities is required$/m],
      [
        ['gen', 'x.git', '--bugs', 'many', '--identities', '1', '--comments', '1'],
        /^bugserve gen: --bugs takes a whole number, not "many"$/m,
      ],
      [['hooks'], /^bugserve hooks install: missing subcommand "install"$/m],
      [['hooks', 'uninstall'], /^bugserve hooks install: unknown subcommand "uninstall"/m],
      [['hook', 'pre-receive'], /^bugserve hook post-receive: unknown subcommand "pre-receive"/m],
      [['serve', '--json'], /^bugserve serve: unknown option --json$/m],
    ];
    for (const [argv, message] of cases) {
      const r = bugserve(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(message);
    }
  });

  it('no command or an unknown one: the overview, exit 2', () => {
    for (const argv of [[], ['serv']]) {
      const r = bugserve(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('Run "bugserve COMMAND --help"');
    }
    expect(bugserve(['serv']).stderr).toMatch(/^bugserve: unknown command "serv"/);
  });

  it('a bad environment or config value names the variable or the file and key', () => {
    const data = path.join(tmp.path, 'data-env');
    const r = bugserve(['serve', '--data', data], { BUGSERVE_LISTEN: '127.0.0.1:99999' });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      'bugserve serve: BUGSERVE_LISTEN: "127.0.0.1:99999" is not a listen address (use HOST:PORT, e.g. 127.0.0.1:23232)',
    );
    const w = bugserve(['serve', '--data', data], { BUGSERVE_MAX_WORKERS: 'lots' });
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/^bugserve serve: BUGSERVE_MAX_WORKERS: expected a whole number/);
    const f = bugserve(['serve', '--data', data, '--idle-timeout', 'soon']);
    expect(f.stderr).toMatch(/^bugserve serve: --idle-timeout: "soon" is not a duration/);
  });
});

describe('commands that run', () => {
  it('bugs --no-index and --json compile a repository (the flag parses)', () => {
    const repo = path.join(tmp.path, 'small.git');
    const { ids } = smallRepo(repo, 2);
    const r = bugserve(['bugs', repo, '--no-index', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string });
    expect(lines.map((b) => b.id).sort()).toEqual([...ids].sort());
  });

  it("npm start's prestart compiles nothing when dist/ is current", () => {
    const cli = statSync(CLI).mtimeMs;
    const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'build-if-stale.mjs')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(statSync(CLI).mtimeMs).toBe(cli);
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prestart).toBe('node scripts/build-if-stale.mjs');
  });

  it('hook post-receive --help answers without waiting for stdin', () => {
    const r = bugserve(['hook', 'post-receive', '--help']);
    expect(r.code).toBe(0);
  });

  it('serve on a taken port: the first line says so, exit 1, nothing logged before it', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const base: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BUGSERVE_')) base[k] = v;
      const child = spawn(process.execPath, [CLI, 'serve', '--data', path.join(tmp.path, 'data-port'), '--listen', `127.0.0.1:${port}`], {
        env: base,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(err.split('\n')[0]).toBe(
        `bugserve serve: cannot listen on 127.0.0.1:${port}: the address is in use (EADDRINUSE): another server? choose one with --listen`,
      );
      expect(out).toBe('');
    } finally {
      blocker.close();
    }
  }, 30_000);

  it("the README's Try it: the token from a credential helper, bug refs pushed with git, a clone fetches them", async () => {
    const home = path.join(tmp.path, 'home');
    const { gitOk } = gitSandbox(() => home);
    await gitOk(['init', '-q', home], tmp.path);
    const data = path.join(tmp.path, 'data-try');
    const srv = await spawnServer({ dataDir: data });
    try {
      const project = path.join(tmp.path, 'my-project');
      const source = path.join(tmp.path, 'bugs-source.git');
      const { ids } = smallRepo(source, 3);
      await gitOk(['init', '-q', project], tmp.path);
      await gitOk(['fetch', '-q', source, 'refs/bugs/*:refs/bugs/*', 'refs/identities/*:refs/identities/*'], project);
      await gitOk(['commit', '-q', '--allow-empty', '-m', 'init'], project);
      const origin = srv.url;
      // As the README says: a remote, a user name, and a helper that reads data/push-token.
      await gitOk(['remote', 'add', 'bugserve', `${origin}/my-project.git`], project);
      await gitOk(['config', `credential.${origin}.username`, 'bugserve'], project);
      const helper = `!f() { test "$1" = get && echo "password=$(cat ${path.join(data, 'push-token')})"; }; f`;
      await gitOk(['config', `credential.${origin}.helper`, helper], project);
      await gitOk(['push', '-q', 'bugserve', 'refs/heads/*:refs/heads/*'], project);
      await gitOk(['push', '-q', 'bugserve', 'refs/bugs/*:refs/bugs/*', 'refs/identities/*:refs/identities/*'], project);
      const list = await getJson<{ total: number }>(srv.url, '/api/v1/repos/my-project/bugs?q=');
      expect(list.total).toBe(3);

      // A plain clone has no bug refs until it fetches them.
      const clone = path.join(tmp.path, 'clone');
      await gitOk(['clone', '-q', `${origin}/my-project.git`, clone], tmp.path);
      expect(await gitOk(['for-each-ref', 'refs/bugs/'], clone)).toBe('');
      await gitOk(['fetch', '-q', 'origin', 'refs/bugs/*:refs/bugs/*', 'refs/identities/*:refs/identities/*'], clone);
      const refs = (await gitOk(['for-each-ref', '--format=%(refname:lstrip=2)', 'refs/bugs/'], clone)).split('\n');
      expect(refs.sort()).toEqual([...ids].sort());
    } finally {
      await srv.stop();
    }
  }, 60_000);
});
