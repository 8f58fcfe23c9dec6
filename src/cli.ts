#!/usr/bin/env node
// The `bugserve` command: one module per subcommand under src/commands/, each
// exporting its `spec` (options, help) and `run`. Parsing, --help and usage
// errors (exit 2) are handled here, the same way for every command.

import { readFileSync } from 'node:fs';
import { helpText, parseCommand, type CommandSpec, type Parsed } from './commands/args.js';
import { USAGE_EXIT, UsageError } from './usage-error.js';

interface CommandModule {
  spec: CommandSpec;
  run(p: Parsed): Promise<number>;
}

// Loaded on demand: `bugserve hook` runs on every push and must start fast.
const commands: Record<string, () => Promise<CommandModule>> = {
  serve: () => import('./commands/serve.js'),
  bugs: () => import('./commands/bugs.js'),
  gen: () => import('./commands/gen.js'),
  hooks: () => import('./commands/hooks.js'),
  hook: () => import('./commands/hook.js'),
};

const USAGE = `bugserve: a git server for projects that track their issues with git-bug

Usage:
  bugserve serve [options]               serve DATA/repos over HTTP, with bug pages and API
  bugserve bugs REPO_PATH [options]      list a repository's bugs without a server
  bugserve gen REPO_PATH --bugs N ...    write a synthetic git-bug repository
  bugserve hooks install [options]       install the post-receive hook in every repository
  bugserve hook post-receive             (run by git after a push)
  bugserve --version

Run "bugserve COMMAND --help" for a command's options and environment variables.
`;

function version(): string {
  // dist/src/cli.js and src/cli.ts both sit two folders below package.json.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`bugserve ${version()}\n`);
    return 0;
  }
  const load = name === undefined ? undefined : commands[name];
  if (!load) {
    process.stderr.write(`${name === undefined ? 'bugserve: a command is needed' : `bugserve: unknown command "${name}"`}\n\n${USAGE}`);
    return USAGE_EXIT;
  }
  const mod = await load();
  try {
    const parsed = parseCommand(mod.spec, rest);
    if (!parsed) {
      process.stdout.write(helpText(mod.spec));
      return 0;
    }
    return await mod.run(parsed);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bugserve ${mod.spec.name}: ${err.message}\nRun "bugserve ${mod.spec.name} --help" for its options.\n`);
    return USAGE_EXIT;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bugserve: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
