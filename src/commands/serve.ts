// `bugserve serve`: loads the configuration, starts the server, and shuts it
// down gracefully on SIGINT/SIGTERM.

import { UsageError } from './args.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../web/logger.js';
import { startServer } from '../web/server.js';
import { storedPushToken } from '../push-token.js';

export async function serve(args: string[]): Promise<number> {
  let config;
  try {
    config = await loadConfig(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bugserve serve: ${err.message}\n`);
    return 2;
  }
  const logger = createLogger(config.logLevel);
  if (config.pushToken === undefined) {
    const stored = await storedPushToken(config.dataDir);
    config = { ...config, pushToken: stored.token };
    logger.info({ file: stored.file, created: stored.created }, 'no BUGSERVE_PUSH_TOKEN: pushes use the token in this file');
  }
  const server = await startServer({ ...config, logger });

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
