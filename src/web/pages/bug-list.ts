// `/{repo}/bugs?q=&page=`: search box, Open/Closed tabs, rows, pagination,
// and a notice for bugs that could not be read.

import type { ListReply } from '../../cache/protocol.js';
import { DEFAULT_QUERY, formatQuery, parseQuery, withStatus } from '../../gitbug/query.js';
import { humanId } from '../../gitbug/id.js';
import type { BugExcerpt, Status } from '../../gitbug/types.js';
import { html, queryString, repoPath, type SafeHtml } from '../html.js';
import { timeTag } from '../time.js';
import { ICONS, labelPills, plural, statusIcon } from './components.js';
import { layout } from './layout.js';

export interface BugListView {
  repo: string;
  /** as the URL had it: undefined for no `q` (open bugs), '' for every bug */
  q: string | undefined;
  reply: ListReply;
}

/** The query of an Open/Closed tab: the current query with its status swapped. */
export function tabQuery(q: string | undefined, status: Status): string {
  try {
    return formatQuery(withStatus(parseQuery(q ?? DEFAULT_QUERY), status));
  } catch {
    return `status:${status}`;
  }
}

/** The status the query is restricted to, if exactly one. */
function activeStatus(q: string | undefined): Status | undefined {
  try {
    const s = parseQuery(q ?? DEFAULT_QUERY).status;
    return s.length === 1 ? s[0] : undefined;
  } catch {
    return undefined;
  }
}

function bugRow(repo: string, b: BugExcerpt): SafeHtml {
  const href = `${repoPath(repo)}/bugs/${encodeURIComponent(b.id)}`;
  return html`<li>${statusIcon(b.status)}<div class="main">
  <a class="title" href="${href}">${b.title}</a> ${labelPills(b.labels)}
  <div class="meta"><span class="mono">${humanId(b.id)}</span> opened ${timeTag(b.createdAt)} by ${b.author.name}</div>
</div>
<div class="side" title="${plural(b.comments, 'comment')}">${ICONS.comment} ${b.comments}</div></li>`;
}

function pager(base: string, q: string | undefined, page: number, pages: number): SafeHtml {
  if (pages <= 1 && page === 1) return html``;
  const link = (p: number, text: string, enabled: boolean) =>
    enabled ? html`<a class="btn" href="${base + queryString({ q, page: p })}">${text}</a>` : html`<span class="btn disabled">${text}</span>`;
  return html`<nav class="pager" aria-label="pages">${link(page - 1, '← Previous', page > 1)}
<span class="muted">Page ${page} of ${pages}</span>${link(page + 1, 'Next →', page < pages)}</nav>`;
}

function damagedNotice(reply: ListReply): SafeHtml {
  if (!reply.damaged.length) return html``;
  const n = reply.damaged.length;
  return html`<div class="notice" role="status"><strong>${plural(n, 'bug')} could not be read</strong>
<details><summary>Show which</summary><ul>${reply.damaged.map(
    (d) => html`<li><span class="mono" title="${d.id}">${humanId(d.id)}</span>: ${d.reason}</li>`,
  )}</ul></details></div>`;
}

export function bugListPage(v: BugListView): string {
  const { repo, q, reply } = v;
  const base = `${repoPath(repo)}/bugs`;
  const active = activeStatus(q);
  const pages = Math.max(1, Math.ceil(reply.total / reply.perPage));
  const tab = (status: Status, label: string, count: number) =>
    html`<a class="${active === status ? 'active' : ''}" href="${base + queryString({ q: tabQuery(q, status) })}">${statusIcon(status)} ${count} ${label}</a>`;

  const rows = reply.bugs.length
    ? html`<ul class="list">${reply.bugs.map((b) => bugRow(repo, b))}</ul>`
    : html`<div class="empty">${reply.total > 0 ? 'No bugs on this page.' : 'No bugs match this query.'}</div>`;

  const body = html`<form class="toolbar" method="get" action="${base}" role="search">
  <input type="search" name="q" value="${q ?? DEFAULT_QUERY}" aria-label="Search bugs" placeholder="status:open label:bug author:name">
  <button class="btn" type="submit">Search</button>
</form>
${damagedNotice(reply)}
<div class="card">
  <div class="head"><div class="tabs">${tab('open', 'Open', reply.open)}${tab('closed', 'Closed', reply.closed)}</div>
  <span class="muted small" style="margin-left:auto">${plural(reply.total, 'match', 'matches')}</span></div>
  ${rows}
</div>
${pager(base, q, reply.page, pages)}`;
  return layout({ title: `Bugs · ${repo}`, repo, body });
}
