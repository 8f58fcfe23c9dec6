// Small pieces shared by pages: label pills, status icons and badges, people.

import { labelColor } from '../../gitbug/label-color.js';
import type { Person, Status } from '../../gitbug/types.js';
import { html, trusted, type SafeHtml } from '../html.js';

export function labelPill(label: string): SafeHtml {
  const c = labelColor(label);
  // The colour comes from a fixed palette, never from the label text.
  return html`<span class="pill" style="background:${c.hex};color:${c.text}" title="${label}">${label}</span>`;
}

export function labelPills(labels: readonly string[]): SafeHtml {
  return html`${labels.map(labelPill)}`;
}

const OPEN_ICON =
  '<svg class="icon open" viewBox="0 0 16 16" aria-label="open" role="img"><path fill="currentColor" d="M8 9.5a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3Z"/><path fill="currentColor" d="M8 0a8 8 0 1 1 0 16A8 8 0 0 1 8 0ZM1.5 8a6.5 6.5 0 1 0 13 0 6.5 6.5 0 0 0-13 0Z"/></svg>';
const CLOSED_ICON =
  '<svg class="icon closed" viewBox="0 0 16 16" aria-label="closed" role="img"><path fill="currentColor" d="M10.28 6.28 7.53 9.03a.75.75 0 0 1-1.06 0l-1.5-1.5a.75.75 0 1 1 1.06-1.06l.97.97 2.22-2.22a.75.75 0 0 1 1.06 1.06Z"/><path fill="currentColor" d="M8 0a8 8 0 1 1 0 16A8 8 0 0 1 8 0ZM1.5 8a6.5 6.5 0 1 0 13 0 6.5 6.5 0 0 0-13 0Z"/></svg>';

export function statusIcon(status: Status): SafeHtml {
  return trusted(status === 'open' ? OPEN_ICON : CLOSED_ICON);
}

const stroke = (d: string, extra = '') =>
  `<svg class="icon" viewBox="0 0 16 16" aria-hidden="true"><path d="${d}" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/>${extra}</svg>`;

/** Small line icons for the timeline and lists (no emoji: not every system has the font). */
export const ICONS = {
  comment: trusted(stroke('M2 2.75h12v8.5H7l-3.5 3v-3H2z')),
  pencil: trusted(stroke('M10.5 2.5l3 3-8 8h-3v-3z')),
  tag: trusted(stroke('M2 2h6l6 6-6 6-6-6z', '<circle cx="5.5" cy="5.5" r="1.25" fill="currentColor"/>')),
};

export function statusBadge(status: Status): SafeHtml {
  return html`<span class="badge ${status}">${statusIcon(status)}${status === 'open' ? 'Open' : 'Closed'}</span>`;
}

export function personName(p: Person): SafeHtml {
  return html`<strong title="${p.id}">${p.name || p.id.slice(0, 7)}</strong>`;
}

export function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}
