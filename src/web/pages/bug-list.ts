// `/{repo}/bugs?q=&page=`: search box and sort menu, Open/Closed tabs, rows
// (labels and authors link to the list filtered by them; closed rows say
// when; a search shows why a row matched), pagination, and a notice for bugs
// that could not be read. A query that does not parse keeps the search box,
// with the reason, so it can be fixed.

import type { ListReply } from '../../cache/protocol.js';
import { DEFAULT_QUERY, DEFAULT_SORT, formatQuery, parseQuery, withStatus, type Query } from '../../gitbug/query.js';
import { humanId } from '../../gitbug/id.js';
import type { BugExcerpt, Status } from '../../gitbug/types.js';
import { html, queryString, repoPath, type SafeHtml } from '../html.js';
import { timeTag } from '../time.js';
import { ICONS, labelPill, plural, statusIcon } from './components.js';
import { layout } from './layout.js';

export interface BugListView {
  repo: string;
  /** as the URL had it: undefined for no `q` (open bugs), '' for every bug */
  q: string | undefined;
  /** the list; absent when the query could not be read (`error` says why) */
  reply?: ListReply;
  error?: string;
}

function parsed(q: string | undefined): Query | undefined {
  try {
    return parseQuery(q ?? DEFAULT_QUERY);
  } catch {
    return undefined;
  }
}

/** The current query changed by `change`; a query that does not parse starts from the default. */
function derived(q: string | undefined, change: (q: Query) => Query): string {
  return formatQuery(change(parsed(q) ?? parseQuery(DEFAULT_QUERY)));
}

/** The query of an Open/Closed tab: the current query with its status swapped. */
export function tabQuery(q: string | undefined, status: Status): string {
  return derived(q, (x) => withStatus(x, status));
}

/** The list filtered further by one label or author (kept once). */
export function labelQuery(q: string | undefined, label: string): string {
  return derived(q, (x) => (x.labels.includes(label) ? x : { ...x, labels: [...x.labels, label] }));
}

export function authorQuery(q: string | undefined, name: string): string {
  return derived(q, (x) => ({ ...x, authors: [name] }));
}

/** git-bug's sorts, as a person would name them. */
export const SORTS: readonly { label: string; sort: Query['sort'] }[] = [
  { label: 'Newest', sort: { by: 'creation', dir: 'desc' } },
  { label: 'Oldest', sort: { by: 'creation', dir: 'asc' } },
  { label: 'Recently updated', sort: { by: 'edit', dir: 'desc' } },
  { label: 'Least recently updated', sort: { by: 'edit', dir: 'asc' } },
];

function sortMenu(base: string, q: string | undefined): SafeHtml {
  const current = parsed(q)?.sort ?? DEFAULT_SORT;
  const same = (s: Query['sort']) => s.by === current.by && s.dir === current.dir;
  const name = SORTS.find((s) => same(s.sort))?.label ?? `${current.by} ${current.dir}`;
  // Plain links in a <details>: no script, so no ARIA menu (it promises arrow keys).
  return html`<details class="menu sort"><summary class="btn">Sort: ${name}</summary>
<nav class="menu-items" aria-label="Sort by">${SORTS.map(
    (s) =>
      html`<a${same(s.sort) ? html` aria-current="true"` : ''} href="${base + queryString({ q: derived(q, (x) => ({ ...x, sort: s.sort })) })}">${s.label}</a>`,
  )}</nav></details>`;
}

function bugRow(repo: string, q: string | undefined, b: BugExcerpt): SafeHtml {
  const base = `${repoPath(repo)}/bugs`;
  const href = `${base}/${encodeURIComponent(b.id)}`;
  const labels = b.labels.map(
    (l) => html`<a class="label" href="${base + queryString({ q: labelQuery(q, l) })}" title="Bugs labelled ${l}">${labelPill(l)}</a>`,
  );
  const author = b.author.name
    ? html`<a class="author" href="${base + queryString({ q: authorQuery(q, b.author.name) })}" title="Bugs opened by ${b.author.name}">${b.author.name}</a>`
    : html`<span title="${b.author.id}">${b.author.id.slice(0, 7)}</span>`;
  const closed = b.status === 'closed' && b.closedAt ? html` · closed ${timeTag(b.closedAt)}` : '';
  return html`<li>${statusIcon(b.status)}<div class="main">
  <a class="title" href="${href}">${b.title}</a> ${labels}
  <div class="meta"><span class="mono">${humanId(b.id)}</span> opened ${timeTag(b.createdAt)} by ${author}${closed}</div>
  ${b.snippet ? html`<div class="snippet">${b.snippet}</div>` : ''}
</div>
<div class="side" title="${plural(b.comments, 'comment')}">${ICONS.comment} ${b.comments}</div></li>`;
}

function pager(base: string, q: string | undefined, page: number, pages: number): SafeHtml {
  if (pages <= 1 && page === 1) return html``;
  const link = (p: number, text: string, enabled: boolean) =>
    enabled
      ? html`<a class="btn" href="${base + queryString({ q, page: p })}">${text}</a>`
      : html`<span class="btn disabled">${text}</span>`;
  // Past the end: say so and lead back, with nothing further to go to.
  if (page > pages) {
    return html`<nav class="pager" aria-label="pages">${link(pages, `← Last page (${pages})`, true)}</nav>`;
  }
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
  const { repo, q, reply, error } = v;
  const base = `${repoPath(repo)}/bugs`;
  const toolbar = html`<form class="toolbar" method="get" action="${base}" role="search">
  <input type="search" name="q" value="${q ?? DEFAULT_QUERY}" aria-label="Search bugs" placeholder="status:open label:bug author:name"${error ? html` aria-invalid="true" aria-describedby="query-error"` : ''}>
  <button class="btn" type="submit">Search</button>
  ${error ? '' : sortMenu(base, q)}
</form>`;
  const title = `Bugs · ${repo}`;
  if (!reply) {
    const body = html`<h1>Bugs</h1>
${toolbar}
<div class="notice error" id="query-error" role="alert"><strong>This query cannot be read.</strong> ${error ?? ''}
<p class="small">Queries use git-bug's language: <code>status:open</code>, <code>label:bug</code>, <code>author:NAME</code>,
<code>title:TEXT</code>, <code>no:label</code>, <code>sort:edit-desc</code>, quoted values and free text.
<a href="${base}">Show the open bugs</a>.</p></div>`;
    return layout({ title, repo, body });
  }

  const status = parsed(q)?.status;
  const active = status?.length === 1 ? status[0] : undefined;
  const pages = Math.max(1, Math.ceil(reply.total / reply.perPage));
  const tab = (s: Status, label: string, count: number) =>
    html`<a class="${active === s ? 'active' : ''}" href="${base + queryString({ q: tabQuery(q, s) })}">${statusIcon(s)} ${count} ${label}</a>`;

  const past = reply.page > pages && reply.total > 0;
  const rows = reply.bugs.length
    ? html`<ul class="list">${reply.bugs.map((b) => bugRow(repo, q, b))}</ul>`
    : html`<div class="empty">${
        past
          ? `Page ${reply.page} is past the end: ${plural(reply.total, 'bug matches', 'bugs match')} this query, on ${plural(pages, 'page')}.`
          : 'No bugs match this query.'
      }</div>`;

  const body = html`<h1>Bugs</h1>
${toolbar}
${damagedNotice(reply)}
<div class="card">
  <div class="head"><div class="tabs">${tab('open', 'Open', reply.open)}${tab('closed', 'Closed', reply.closed)}</div>
  <span class="muted small push-right">${plural(reply.total, 'match', 'matches')}</span></div>
  ${rows}
</div>
${pager(base, q, reply.page, pages)}`;
  return layout({ title, repo, body });
}
