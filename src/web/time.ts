// Times as people read them on a page: "3 days ago", with the exact UTC time
// in a tooltip and a machine-readable datetime attribute.

import { html, type SafeHtml } from './html.js';

const STEPS: [limitSeconds: number, unitSeconds: number, unit: string][] = [
  [60 * 60, 60, 'minute'],
  [24 * 3600, 3600, 'hour'],
  [30 * 86400, 86400, 'day'],
  [365 * 86400, 30 * 86400, 'month'],
  [Infinity, 365 * 86400, 'year'],
];

export function relativeAge(iso: string, now: number = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'at an unknown time';
  const seconds = Math.round((now - t) / 1000);
  const future = seconds < 0;
  const abs = Math.abs(seconds);
  if (abs < 60) return 'just now';
  for (const [limit, unit, name] of STEPS) {
    if (abs < limit) {
      const n = Math.max(1, Math.floor(abs / unit));
      const phrase = `${n} ${name}${n === 1 ? '' : 's'}`;
      return future ? `in ${phrase}` : `${phrase} ago`;
    }
  }
  return iso;
}

/** "2024-05-01 13:45 UTC" */
export function exactTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

export function timeTag(iso: string, now?: number): SafeHtml {
  return html`<time datetime="${iso}" title="${exactTime(iso)}">${relativeAge(iso, now)}</time>`;
}
