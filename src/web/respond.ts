// Writing responses: security headers, HTML, JSON and text bodies, compressed
// by Accept-Encoding (brotli or gzip, on libuv's threads), with an ETag so a
// repeated request with If-None-Match gets 304 and no body. HEAD gets the
// same headers as GET and no body (Node's http leaves it out).

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { ByteLru } from '../cache/byte-lru.js';

/**
 * No scripts at all; styles from the one stylesheet and inline style
 * attributes (label colours). Images: this server, data: URLs, and only the
 * hosts an operator listed (`--image-hosts`): a comment cannot plant a
 * tracking pixel that every reader's browser fetches.
 */
export function contentSecurityPolicy(imageHosts: readonly string[] = []): string {
  return (
    `default-src 'none'; style-src 'self' 'unsafe-inline'; img-src ${["'self'", 'data:', ...imageHosts].join(' ')}; ` +
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
  );
}

/** Long-lived caching for content-addressed files (the stylesheet's URL carries its hash). */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

function common(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('X-Frame-Options', 'DENY');
}

type Encoding = 'br' | 'gzip' | 'identity';

/** Below this a compressed body saves less than its headers cost. */
const MIN_COMPRESS = 1024;
const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** The best encoding the client accepts (q=0 refuses one). */
export function pickEncoding(header: string | string[] | undefined): Encoding {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  const accepted = new Set<string>();
  for (const part of text.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (name && (q === undefined || Number(q) > 0)) accepted.add(name);
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return 'identity';
}

function compress(body: Buffer, enc: Exclude<Encoding, 'identity'>): Promise<Buffer> {
  // Quality 5: most of brotli's gain at a small part of its top cost.
  return enc === 'br'
    ? brotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } })
    : gz(body, { level: 6 });
}

// Compressed bodies by ETag and encoding: a repeated page is compressed once.
// Bounded by bytes, so no reply size or count can grow it without limit.
const compressed = new ByteLru<Buffer>(16 * 1024 * 1024, 2 * 1024 * 1024);

/** A strong hash of the body: the same bytes get the same ETag, across restarts too. */
function etagOf(body: Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

// A body kept by its caller (a large bug's JSON or page) is hashed once.
const etags = new WeakMap<Uint8Array, string>();
function keptEtag(body: Uint8Array): string {
  let etag = etags.get(body);
  if (etag === undefined) {
    etag = etagOf(body);
    etags.set(body, etag);
  }
  return etag;
}

/** True when one of If-None-Match's tags names this ETag (weak comparison, as RFC 9110 asks). */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => bare(t) === bare(etag));
}

export interface SendOptions {
  cacheControl?: string;
}

/**
 * Sends a body: 200 answers carry an ETag and can be 304; every answer
 * over MIN_COMPRESS bytes is compressed if the client takes it.
 */
export async function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Uint8Array,
  opts: SendOptions = {},
): Promise<void> {
  common(res);
  const req: IncomingMessage | undefined = res.req;
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Cache-Control', opts.cacheControl ?? 'no-cache');
  res.setHeader('Vary', 'Accept-Encoding');
  let etag: string | undefined;
  if (status === 200) {
    etag = typeof body === 'string' ? etagOf(bytes) : keptEtag(body);
    res.setHeader('ETag', etag);
    if (matchesEtag(req?.headers['if-none-match'], etag)) {
      res.statusCode = 304;
      res.removeHeader('Content-Type');
      res.end();
      return;
    }
  }
  const enc = bytes.length >= MIN_COMPRESS ? pickEncoding(req?.headers['accept-encoding']) : 'identity';
  let out = bytes;
  if (enc !== 'identity') {
    const key = etag ? `${enc} ${etag}` : undefined;
    const hit = key ? compressed.get(key) : undefined;
    out = hit ?? (await compress(bytes, enc));
    if (key && !hit) compressed.set(key, out, out.length);
    res.setHeader('Content-Encoding', enc);
  }
  // The connection may have gone while compressing.
  if (res.destroyed) return;
  res.statusCode = status;
  res.setHeader('Content-Length', out.length);
  res.end(out);
}

/** `body` as a string, or already encoded (a page kept by the caller). */
export function sendHtml(res: ServerResponse, status: number, body: string | Buffer): Promise<void> {
  return send(res, status, 'text/html; charset=utf-8', body);
}

// The cache hands out the same reply object for a repeated page
// (src/cache/reply-cache.ts): serialise and encode each one once (a large
// bug's JSON costs the event loop tens of ms each time). Bounded by bytes.
const SERIALISED_BYTES = 128 * 1024 * 1024;
const serialised = new ByteLru<Buffer, object>(SERIALISED_BYTES);

function toJson(value: unknown): string | Buffer {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  let body = serialised.get(value);
  if (body === undefined) {
    body = Buffer.from(JSON.stringify(value));
    serialised.set(value, body, body.length);
  }
  return body;
}

export function sendJson(res: ServerResponse, status: number, value: unknown): Promise<void> {
  return send(res, status, 'application/json; charset=utf-8', toJson(value));
}

/** JSON the worker already wrote (a bug page: src/cache/protocol.ts BugJson), as UTF-8: the body as it is. */
export function sendJsonBytes(res: ServerResponse, status: number, json: Uint8Array): Promise<void> {
  return send(res, status, 'application/json; charset=utf-8', json);
}

export function sendText(res: ServerResponse, status: number, contentType: string, body: string): Promise<void> {
  return send(res, status, contentType, body);
}

export function redirect(res: ServerResponse, location: string): void {
  common(res);
  res.statusCode = 302;
  res.setHeader('Location', location);
  res.end();
}

/** Host for URLs shown on pages (the clone URL): the Host header when well-formed, else the listen address. */
export function publicHost(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host;
  return host && host.length <= 255 && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? host : fallback;
}
