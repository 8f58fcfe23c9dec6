// Reading the request target strictly: size limits, percent-decoding that
// fails loudly on malformed input, path segments decoded one by one (so an
// encoded `/` can never become a separator), and `q` read so that a missing
// parameter and an empty one stay different.

import { BadRequestError } from '../errors.js';
import { UriTooLongError } from './errors.js';

export const MAX_URL_LENGTH = 8 * 1024;
export const MAX_Q_LENGTH = 1024;

export interface Target {
  /** decoded path segments; a single trailing slash is ignored */
  segments: string[];
  /** the same segments still percent-encoded: file names in code URLs are bytes, maybe not UTF-8 */
  raw: string[];
  /** the first value of each query parameter, decoded ('' for `?k` and `?k=`) */
  query: Map<string, string>;
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new BadRequestError(`malformed percent-encoding in the ${what}`);
  }
}

/**
 * A path segment decoded. Well-formed percent-encoding of bytes that are not
 * UTF-8 (a file name git stores as such) decodes with U+FFFD in their place;
 * the exact bytes stay in Target.raw. Malformed encoding is a 400.
 */
function decodePathSegment(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    if (!/^(?:[^%]|%[0-9A-Fa-f]{2})*$/.test(text)) throw new BadRequestError('malformed percent-encoding in the path');
    const bytes = text.replace(/%([0-9A-Fa-f]{2})|[^%]+/g, (m, hex: string | undefined) =>
      hex ? String.fromCharCode(parseInt(hex, 16)) : Buffer.from(m, 'utf8').toString('latin1'),
    );
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
}

export function parseTarget(url: string | undefined): Target {
  let target = url ?? '';
  if (target.length > MAX_URL_LENGTH) throw new UriTooLongError(`the URL is longer than ${MAX_URL_LENGTH} bytes`);
  // Absolute-form (sent to proxies): keep only the path and query.
  const absolute = /^https?:\/\/[^/?#]*/i.exec(target);
  if (absolute) target = target.slice(absolute[0].length) || '/';
  if (!target.startsWith('/')) throw new BadRequestError('the request target must be a path');

  const hash = target.indexOf('#');
  if (hash !== -1) target = target.slice(0, hash);
  const qmark = target.indexOf('?');
  const rawPath = qmark === -1 ? target : target.slice(0, qmark);
  const rawQuery = qmark === -1 ? '' : target.slice(qmark + 1);

  const raw = rawPath.slice(1).split('/');
  const segments = raw.map((s) => {
    const d = decodePathSegment(s);
    if (d.includes('/')) throw new BadRequestError('encoded "/" in the path');
    return d;
  });
  if (segments.length > 0 && segments[segments.length - 1] === '') {
    segments.pop();
    raw.pop();
  }

  const query = new Map<string, string>();
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode((eq === -1 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '), 'query');
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1).replace(/\+/g, ' '), 'query');
    if (!query.has(key)) query.set(key, value);
  }
  return { segments, raw, query };
}

/** The bug query: undefined when `q` is absent (the default, open bugs), '' when empty (every bug). */
export function readQ(t: Target): string | undefined {
  const q = t.query.get('q');
  if (q !== undefined && q.length > MAX_Q_LENGTH) {
    throw new BadRequestError(`the query is longer than ${MAX_Q_LENGTH} characters`);
  }
  return q;
}

/** A whole number parameter from 1 to max; `fallback` when absent. */
export function readCount(t: Target, name: string, fallback: number, max: number): number {
  const v = t.query.get(name);
  if (v === undefined || v === '') return fallback;
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1 || Number(v) > max) {
    throw new BadRequestError(`${name} must be a whole number from 1 to ${max}`);
  }
  return Number(v);
}
