// `bugserve serve`: loads the configuration, checks the data folder, starts
// the server (src/app.ts), and shuts it down gracefully on SIGINT/SIGTERM.

import { startServer } from '../app.js';
import { loadConfig, PUSH_TOKEN_ENV, SETTINGS, type ConfigFlags } from '../config.js';
import { DataDirError, dataDirAt, prepareDataDir } from '../data/dir.js';
import { createLogger } from '../web/logger.js';
import { storedPushToken } from '../push-token.js';
import { stringValue, type CommandSpec, type Parsed } from './args.js';

export const spec: CommandSpec = {
  name: 'serve',
  synopsis: '[options]',
  summary: 'Serve the bare repositories under DATA/repos over git smart HTTP, with their bugs as web pages and JSON.',
  positionals: { min: 0, max: 0, names: '' },
  options: SETTINGS.map((s) => ({ name: s.name, type: 'string', value: s.value, help: s.help, env: s.env, default: s.default })),
  env: [
    {
      name: PUSH_TOKEN_ENV,
      help: "the password for pushes (user name is ignored); unset: DATA/push-token, written on first start; set to '': no pushing",
    },
  ],
  notes: `Each option is read from the flag, else the environment, else DATA/config.json
(keys like "listen" or "idleTimeout"), else the default.`,
};

export async function run(p: Parsed): Promise<number> {
  const flags: ConfigFlags = {};
  for (const s of SETTINGS) flags[s.name] = stringValue(p, s.name);
  const config = await loadConfig(flags);
  const data = dataDirAt(config.dataDir);
  try {
    await prepareDataDir(data);
  } catch (err) {
    if (!(err instanceof DataDirError)) throw err;
    process.stderr.write(`bugserve serve: ${err.message}\n`);
    return 2;
  }
  const logger = createLogger(config.logLevel);
  const stored = config.pushToken === undefined ? await storedPushToken(data.pushToken) : undefined;
  let server;
  try {
    server = await startServer({ ...config, pushToken: config.pushToken ?? stored?.token, logger });
  } catch (err) {
    // The one line that says why, before anything else (a taken port is the usual case).
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') throw err;
    const why =
      code === 'EADDRINUSE' ? 'the address is in use (EADDRINUSE): another server? choose one with --listen' : (err as Error).message;
    process.stderr.write(`bugserve serve: cannot listen on ${config.host}:${config.port}: ${why}\n`);
    return 1;
  }
  if (stored) logger.info({ file: stored.file, created: stored.created }, 'no BUGSERVE_PUSH_TOKEN: pushes use the token in this file');
  else if (config.pushToken === '') logger.info('BUGSERVE_PUSH_TOKEN is empty: pushing is disabled');

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info({ signal }, 'signal received');
  // A second signal means "now": skip the graceful wait.
  const force = (again: NodeJS.Signals) => {
    logger.warn({ signal: again }, 'second signal: exiting at once');
    process.exit(1);
  };
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  await server.close();
  process.off('SIGINT', force);
  process.off('SIGTERM', force);
  return 0;
}
