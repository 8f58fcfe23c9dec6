// `bugserve serve` options. Each one is read from, in order of precedence:
// the command line flag, the BUGSERVE_* environment variable, DATA/config.json,
// then the default. The data folder itself comes from flag or environment only,
// since config.json lives inside it.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MAX_WORKERS } from './cache/manager.js';
import { UsageError, parseArgs, stringFlag } from './commands/args.js';

export type CacheMode = 'warm' | 'per-request';

export interface Config {
  /** absolute data folder */
  dataDir: string;
  /** absolute DATA/repos */
  reposDir: string;
  host: string;
  port: number;
  idleTimeoutMs: number;
  maxWorkers: number;
  cacheMode: CacheMode;
  /** HTTP basic auth password for pushes; undefined disables pushing */
  pushToken: string | undefined;
  logLevel: string;
}

export const DEFAULTS = {
  data: './data',
  listen: '127.0.0.1:23232',
  idleTimeout: '10m',
  // The cache manager's own default, sized for 2 cores and 24 GiB.
  maxWorkers: DEFAULT_MAX_WORKERS,
  cache: 'warm' as CacheMode,
  logLevel: 'info',
};

/** Option names as flags (kebab) and as config.json keys (kebab or camel). */
const OPTIONS = ['data', 'listen', 'idle-timeout', 'max-workers', 'cache', 'log-level'] as const;
type OptionName = (typeof OPTIONS)[number];
const FILE_ONLY = ['push-token'] as const;

const ENV: Record<OptionName | 'push-token', string> = {
  data: 'BUGSERVE_DATA',
  listen: 'BUGSERVE_LISTEN',
  'idle-timeout': 'BUGSERVE_IDLE_TIMEOUT',
  'max-workers': 'BUGSERVE_MAX_WORKERS',
  cache: 'BUGSERVE_CACHE',
  'log-level': 'BUGSERVE_LOG_LEVEL',
  'push-token': 'BUGSERVE_PUSH_TOKEN',
};

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "10m", "30s", "1h", "500ms", "1h30m", "1.5s" or "0" into milliseconds. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * UNITS[m[2]];
    end = re.lastIndex;
  }
  if (end === 0 || end !== s.length) {
    throw new UsageError(`"${text}" is not a duration (use e.g. 500ms, 30s, 10m, 1h)`);
  }
  return Math.round(total);
}

/** Parses "HOST:PORT", "[::1]:PORT", ":PORT" or "PORT". */
export function parseListen(text: string): { host: string; port: number } {
  const s = text.trim();
  let host = DEFAULTS.listen.split(':')[0];
  let portText = s;
  const bracket = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (bracket) {
    host = bracket[1];
    portText = bracket[2];
  } else if (s.includes(':')) {
    const i = s.lastIndexOf(':');
    if (i > 0) host = s.slice(0, i);
    portText = s.slice(i + 1);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535 || (host.includes(':') && !bracket)) {
    throw new UsageError(`"${text}" is not a listen address (use HOST:PORT, e.g. 127.0.0.1:23232)`);
  }
  return { host, port: Number(portText) };
}

function parseMaxWorkers(text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) {
    throw new UsageError(`max-workers takes a whole number of at least 1, not "${text}"`);
  }
  return Number(text);
}

function parseCacheMode(text: string): CacheMode {
  if (text !== 'warm' && text !== 'per-request') {
    throw new UsageError(`cache is "warm" or "per-request", not "${text}"`);
  }
  return text;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function parseLogLevel(text: string): string {
  if (!LOG_LEVELS.includes(text)) throw new UsageError(`log-level is one of ${LOG_LEVELS.join(', ')}, not "${text}"`);
  return text;
}

const camel = (kebab: string) => kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** DATA/config.json as a map from kebab option name to string value; {} when absent. */
async function readConfigFile(dataDir: string): Promise<Map<string, string>> {
  const file = path.join(dataDir, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${file} must hold a JSON object`);
  }
  const known = new Map<string, string>();
  for (const name of [...OPTIONS, ...FILE_ONLY]) {
    if (name !== 'data') {
      known.set(name, name);
      known.set(camel(name), name);
    }
  }
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(parsed)) {
    const name = known.get(key);
    if (!name) throw new UsageError(`${file}: unknown option "${key}"`);
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new UsageError(`${file}: "${key}" must be a string or a number`);
    }
    out.set(name, String(value));
  }
  return out;
}

/** Builds the configuration from `serve`'s arguments, the environment and DATA/config.json. */
export async function loadConfig(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const parsed = parseArgs(args);
  if (parsed.positional.length > 0) throw new UsageError(`serve takes no arguments, got "${parsed.positional[0]}"`);
  for (const name of parsed.flags.keys()) {
    if (!(OPTIONS as readonly string[]).includes(name)) throw new UsageError(`unknown option --${name}`);
  }
  const fromEnv = (name: OptionName | 'push-token') => {
    const v = env[ENV[name]];
    return v === undefined || v === '' ? undefined : v;
  };
  const dataDir = path.resolve(stringFlag(parsed, 'data') ?? fromEnv('data') ?? DEFAULTS.data);
  const file = await readConfigFile(dataDir);
  const pick = (name: OptionName) => stringFlag(parsed, name) ?? fromEnv(name) ?? file.get(name);

  const { host, port } = parseListen(pick('listen') ?? DEFAULTS.listen);
  return {
    dataDir,
    reposDir: path.join(dataDir, 'repos'),
    host,
    port,
    idleTimeoutMs: parseDuration(pick('idle-timeout') ?? DEFAULTS.idleTimeout),
    maxWorkers: parseMaxWorkers(pick('max-workers') ?? String(DEFAULTS.maxWorkers)),
    cacheMode: parseCacheMode(pick('cache') ?? DEFAULTS.cache),
    pushToken: fromEnv('push-token') ?? file.get('push-token'),
    logLevel: parseLogLevel(pick('log-level') ?? DEFAULTS.logLevel),
  };
}
