// `/{repo}/commits/{ref}[/{path}]`: history, a page at a time.

import type { Refs, Resolved } from '../../code/refs.js';
import type { LogPage } from '../../code/log.js';
import { html, queryString } from '../html.js';
import { timeTag } from '../time.js';
import { codeTabs, codeUrl, commitUrl, pathCrumbs, refSelector, shortHash } from './code-parts.js';
import { layout } from './layout.js';

export function commitsPage(repo: string, refs: Refs, at: Resolved, log: LogPage): string {
  const base = codeUrl(repo, 'commits', at.ref, at.rest);
  const rows = log.commits.map(
    (c) => html`<li><div class="main"><a class="title" href="${commitUrl(repo, c.hash)}">${c.subject || '(no message)'}</a>
<div class="meta">${c.author.name} committed ${timeTag(c.committedAt)}</div></div>
<div class="side"><a class="mono" href="${commitUrl(repo, c.hash)}">${shortHash(c.hash)}</a> <a class="btn small" href="${codeUrl(repo, 'tree', c.hash)}" title="Browse the files at this commit">Files</a></div></li>`,
  );
  const link = (p: number, text: string, enabled: boolean) =>
    enabled ? html`<a class="btn" href="${base + queryString({ page: p })}">${text}</a>` : html`<span class="btn disabled">${text}</span>`;
  const pager =
    log.page > 1 || log.hasMore
      ? html`<nav class="pager" aria-label="pages">${link(log.page - 1, '← Newer', log.page > 1)}<span class="muted">Page ${log.page}</span>${link(log.page + 1, 'Older →', log.hasMore)}</nav>`
      : '';
  const body = html`${codeTabs(repo, 'commits', at.ref)}
<div class="toolbar">${refSelector(repo, 'commits', at.ref, refs, at.rest)}${at.rest.length ? pathCrumbs(repo, at.ref, at.rest) : ''}</div>
<div class="card">${rows.length ? html`<ul class="list">${rows}</ul>` : html`<div class="empty">${log.page > 1 ? 'No commits on this page.' : 'No commits touch this path.'}</div>`}</div>
${pager}`;
  return layout({ title: `Commits · ${at.ref} · ${repo}`, repo, body });
}
