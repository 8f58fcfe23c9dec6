// Writing responses: security headers on every page, HTML and JSON bodies.

import type { IncomingMessage, ServerResponse } from 'node:http';

// No scripts at all; inline styles only (the stylesheet and label colours).
const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: http: data:; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

function common(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('X-Frame-Options', 'DENY');
}

export function sendHtml(res: ServerResponse, status: number, body: string): void {
  common(res);
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

// The cache hands out the same reply object for a repeated page
// (GitBugCacheManager's per-entry replies): serialise each one once.
const serialised = new WeakMap<object, string>();

function toJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  let body = serialised.get(value);
  if (body === undefined) {
    body = JSON.stringify(value);
    serialised.set(value, body);
  }
  return body;
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  common(res);
  const body = toJson(value);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

export function sendText(res: ServerResponse, status: number, contentType: string, body: string): void {
  common(res);
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
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
  return host && host.length <= 255 && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)
    ? host
    : fallback;
}
