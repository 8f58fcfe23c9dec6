// The server's logger: JSON lines for machines, pino-pretty when a person
// watches the terminal.

import { pino, type Logger } from 'pino';
import PinoPretty from 'pino-pretty';

export function createLogger(level = 'info', tty = Boolean(process.stdout.isTTY)): Logger {
  if (!tty) return pino({ level });
  // In-process stream (not a transport thread): one less worker on a 2-core box.
  return pino({ level }, PinoPretty({ colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
}
