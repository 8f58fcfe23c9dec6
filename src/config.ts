// `bugserve serve` options. Each one is read from, in order of precedence:
// the command line flag, the BUGSERVE_* environment variable, DATA/config.json,
// then the default. The data folder itself comes from flag or environment only,
// since config.json lives inside it.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MAX_WORKERS, type CacheMode } from './cache/manager.js';
import { dataDirAt } from './data/dir.js';
import { UsageError } from './usage-error.js';

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
  /** HTTP basic auth password for pushes; '' disables pushing; undefined: serve generates one (DATA/push-token) */
  pushToken: string | undefined;
  logLevel: string;
  /** hosts whose images bug comments may show (the page's CSP); empty: none */
  imageHosts: string[];
}

export const DEFAULTS = {
  data: './data',
  listen: '127.0.0.1:23232',
  idleTimeout: '10m',
  // The cache manager's own default, sized for 2 cores and 24 GiB.
  maxWorkers: DEFAULT_MAX_WORKERS,
  cache: 'warm' as CacheMode,
  logLevel: 'info',
  imageHosts: '',
};

/** Option names as flags (kebab) and as config.json keys (kebab or camel). */
const OPTIONS = ['data', 'listen', 'idle-timeout', 'max-workers', 'cache', 'log-level', 'image-hosts'] as const;
export type OptionName = (typeof OPTIONS)[number];
const FILE_ONLY = ['push-token'] as const;

const ENV: Record<OptionName | 'push-token', string> = {
  data: 'BUGSERVE_DATA',
  listen: 'BUGSERVE_LISTEN',
  'idle-timeout': 'BUGSERVE_IDLE_TIMEOUT',
  'max-workers': 'BUGSERVE_MAX_WORKERS',
  cache: 'BUGSERVE_CACHE',
  'log-level': 'BUGSERVE_LOG_LEVEL',
  'image-hosts': 'BUGSERVE_IMAGE_HOSTS',
  'push-token': 'BUGSERVE_PUSH_TOKEN',
};

/** What `bugserve serve --help` says about each option (src/commands/serve.ts). */
export const SETTINGS: readonly { name: OptionName; env: string; value: string; help: string; default?: string }[] = [
  { name: 'data', env: ENV.data, value: 'DIR', help: 'the data folder: repos/, run/, push-token, config.json', default: DEFAULTS.data },
  { name: 'listen', env: ENV.listen, value: 'HOST:PORT', help: 'address to listen on', default: DEFAULTS.listen },
  {
    name: 'idle-timeout',
    env: ENV['idle-timeout'],
    value: 'DURATION',
    help: "close a repository's worker after this long unused",
    default: DEFAULTS.idleTimeout,
  },
  {
    name: 'max-workers',
    env: ENV['max-workers'],
    value: 'N',
    help: 'at most this many repositories kept warm',
    default: String(DEFAULTS.maxWorkers),
  },
  {
    name: 'cache',
    env: ENV.cache,
    value: 'warm|per-request',
    help: 'per-request rebuilds on every request (benchmarks only)',
    default: DEFAULTS.cache,
  },
  {
    name: 'log-level',
    env: ENV['log-level'],
    value: 'LEVEL',
    help: 'fatal, error, warn, info, debug, trace or silent',
    default: DEFAULTS.logLevel,
  },
  {
    name: 'image-hosts',
    env: ENV['image-hosts'],
    value: 'HOSTS',
    help: 'comma-separated hosts whose images comments may show',
    default: 'none',
  },
];

/** The push token's variable, read from the environment (or config.json) only. */
export const PUSH_TOKEN_ENV = ENV['push-token'];

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
    throw new UsageError(`expected a whole number of at least 1, not "${text}"`);
  }
  return Number(text);
}

function parseCacheMode(text: string): CacheMode {
  if (text !== 'warm' && text !== 'per-request') {
    throw new UsageError(`expected "warm" or "per-request", not "${text}"`);
  }
  return text;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function parseLogLevel(text: string): string {
  if (!LOG_LEVELS.includes(text)) throw new UsageError(`expected one of ${LOG_LEVELS.join(', ')}, not "${text}"`);
  return text;
}

// A host name, optionally with a port; no scheme, path or wildcard tricks beyond a leading "*.".
const IMAGE_HOST = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:\d{1,5})?$/;

/** "img.example.com, *.githubusercontent.com" → the list; '' → none. */
export function parseImageHosts(text: string): string[] {
  const hosts = text
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  for (const h of hosts) {
    if (!IMAGE_HOST.test(h)) throw new UsageError(`"${h}" is not a host name (use e.g. img.example.com or *.example.com)`);
  }
  return hosts;
}

const camel = (kebab: string) => kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** DATA/config.json as a map from kebab option name to string value; {} when absent. */
async function readConfigFile(dataDir: string): Promise<Map<string, string>> {
  const file = dataDirAt(dataDir).config;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    // ENOTDIR: the data folder is a file; serve's data folder check says so clearly.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return new Map();
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

/** Flags as `bugserve serve` parsed them (kebab names). */
export type ConfigFlags = Partial<Record<OptionName, string>>;

/** Builds the configuration from `serve`'s flags, the environment and DATA/config.json. */
export async function loadConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const fromEnv = (name: OptionName | 'push-token') => {
    const v = env[ENV[name]];
    return v === undefined || v === '' ? undefined : v;
  };
  const dataDir = path.resolve(flags.data ?? fromEnv('data') ?? DEFAULTS.data);
  const configFile = dataDirAt(dataDir).config;
  const file = await readConfigFile(dataDir);
  /** The value and where it came from, so a bad one names its flag, variable or file. */
  const read = <T>(name: OptionName, fallback: string, parse: (text: string) => T): T => {
    const [text, source] =
      flags[name] !== undefined
        ? [flags[name], `--${name}`]
        : fromEnv(name) !== undefined
          ? [fromEnv(name)!, ENV[name]]
          : file.has(name)
            ? [file.get(name)!, `${configFile} "${name}"`]
            : [fallback, `the default ${name}`];
    try {
      return parse(text);
    } catch (err) {
      if (err instanceof UsageError) throw new UsageError(`${source}: ${err.message}`);
      throw err;
    }
  };

  const { host, port } = read('listen', DEFAULTS.listen, parseListen);
  return {
    dataDir,
    reposDir: dataDirAt(dataDir).repos,
    host,
    port,
    idleTimeoutMs: read('idle-timeout', DEFAULTS.idleTimeout, parseDuration),
    maxWorkers: read('max-workers', String(DEFAULTS.maxWorkers), parseMaxWorkers),
    cacheMode: read('cache', DEFAULTS.cache, parseCacheMode),
    // Set but empty means "no pushing", so the token is not read through fromEnv.
    pushToken: env[ENV['push-token']] ?? file.get('push-token'),
    logLevel: read('log-level', DEFAULTS.logLevel, parseLogLevel),
    imageHosts: read('image-hosts', DEFAULTS.imageHosts, parseImageHosts),
  };
}
