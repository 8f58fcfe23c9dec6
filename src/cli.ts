#!/usr/bin/env node
// The `bugserve` command: one module per subcommand under src/commands/.

const USAGE = `bugserve: a git server for projects that track their issues with git-bug

Usage:
  bugserve serve [--data DIR] [--listen HOST:PORT] [--idle-timeout 10m]
                 [--max-workers N] [--cache warm|per-request]
  bugserve bugs REPO_PATH [--json] [--query "status:open label:x"]
  bugserve gen REPO_PATH --bugs N --identities M --comments K [--seed S]
  bugserve hooks install [--data DIR]
  bugserve hook post-receive        (run by git; reads "old new ref" lines)
`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./commands/serve.js')).serve,
  bugs: async () => (await import('./commands/bugs.js')).bugs,
  gen: async () => (await import('./commands/gen.js')).gen,
  hooks: async () => (await import('./commands/hooks.js')).hooks,
  hook: async () => (await import('./commands/hook.js')).hook,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`bugserve: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  return (await load())(rest);
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
