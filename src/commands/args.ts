// Each command describes its options once (CommandSpec); node:util's
// parseArgs reads them strictly, and the same description prints `--help`.
// Every usage error is a UsageError (exit 2, src/usage-error.ts).

import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';

export { UsageError };

export interface OptionSpec {
  name: string;
  /** a string option takes a value (shown as `value` in help); a boolean does not */
  type: 'string' | 'boolean';
  value?: string;
  help: string;
  /** the environment variable that also sets it */
  env?: string;
  default?: string;
}

export interface CommandSpec {
  /** as typed after `bugserve`: 'serve', 'hooks install' */
  name: string;
  /** the synopsis after `bugserve NAME`, e.g. 'REPO_PATH [options]' */
  synopsis: string;
  summary: string;
  /** positional arguments after the name's own words */
  positionals: { min: number; max: number; names: string };
  options: readonly OptionSpec[];
  /** environment variables read besides the options' own */
  env?: readonly { name: string; help: string }[];
  /** extra lines at the end of help */
  notes?: string;
}

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Undefined when --help was asked for (the caller prints helpText). */
export function parseCommand(spec: CommandSpec, args: string[]): Parsed | undefined {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const o of spec.options) options[o.name] = { type: o.type };
  let out;
  try {
    out = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(readable(err as Error & { code?: string }));
  }
  if (out.values.help) return undefined;
  const words = spec.name.split(' ').length - 1;
  const given = out.positionals.slice(words);
  const sub = spec.name.split(' ').slice(1);
  if (sub.length && out.positionals.slice(0, words).join(' ') !== sub.join(' ')) {
    const got = out.positionals.slice(0, words).join(' ');
    throw new UsageError(got ? `unknown subcommand "${got}" (only "${sub.join(' ')}")` : `missing subcommand "${sub.join(' ')}"`);
  }
  if (given.length < spec.positionals.min) throw new UsageError(`${spec.positionals.names} is required`);
  if (given.length > spec.positionals.max) throw new UsageError(`unexpected argument "${given[spec.positionals.max]}"`);
  return { values: out.values, positionals: given };
}

/** parseArgs's messages, shortened to what a person needs. */
function readable(err: Error & { code?: string }): string {
  const name = /'(-[^' ]+)/.exec(err.message)?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${name ?? err.message}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing|ambiguous/.test(err.message)
        ? `${name ?? 'an option'} needs a value`
        : `${name ?? 'an option'} takes no value`;
    default:
      return err.message;
  }
}

export function helpText(spec: CommandSpec): string {
  const lines = [`Usage: bugserve ${spec.name} ${spec.synopsis}`, '', spec.summary, ''];
  const opts = [...spec.options, { name: 'help', type: 'boolean' as const, help: 'show this help' }];
  const left = opts.map((o) => `--${o.name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  lines.push('Options:');
  opts.forEach((o, i) => {
    const extra = [o.default !== undefined ? `default ${o.default}` : '', o.env ? `env ${o.env}` : ''].filter(Boolean).join('; ');
    lines.push(`  ${left[i].padEnd(width)}${o.help}${extra ? ` (${extra})` : ''}`);
  });
  const env = [...spec.options.filter((o) => o.env).map((o) => ({ name: o.env!, help: `same as --${o.name}` })), ...(spec.env ?? [])];
  if (env.length) {
    lines.push('', 'Environment:');
    const w = Math.max(...env.map((e) => e.name.length)) + 2;
    for (const e of env) lines.push(`  ${e.name.padEnd(w)}${e.help}`);
  }
  if (spec.notes) lines.push('', spec.notes.trimEnd());
  return lines.join('\n') + '\n';
}

export function stringValue(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A whole number option; `fallback` when absent, required when there is none. */
export function intValue(p: Parsed, name: string, fallback?: number): number {
  const v = stringValue(p, name);
  if (v === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} takes a whole number, not "${v}"`);
  return Number(v);
}
