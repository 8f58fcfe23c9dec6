// Error pages: not found, bad request, damaged data, and the list of bugs an
// ambiguous id prefix matches.

import { humanId } from '../../gitbug/id.js';
import { html, repoPath, type SafeHtml } from '../html.js';
import { statusIcon } from './components.js';
import { layout } from './layout.js';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Ambiguous id',
  414: 'URL too long',
  500: 'Something went wrong',
  503: 'Temporarily unavailable',
};

export function errorPage(status: number, message: string, repo?: string, extra?: SafeHtml, heading?: string): string {
  const title = heading ?? TITLES[status] ?? `Error ${status}`;
  const body = html`<div class="card"><div class="body">
<h1>${title} <span class="id">${status}</span></h1>
<p>${message}</p>
${extra ?? ''}
<p><a href="${repo ? repoPath(repo) : '/'}">${repo ? `Back to ${repo}` : 'All repositories'}</a></p>
</div></div>`;
  return layout({ title, repo, body });
}

export interface Candidate {
  id: string;
  title?: string;
  status?: 'open' | 'closed';
}

/** `total`: how many bugs the prefix matched (the cache stops counting past 20). */
export function ambiguousPage(repo: string, prefix: string, candidates: readonly Candidate[], total = candidates.length): string {
  const list = html`<ul class="list card">${candidates.map(
    (
      c,
    ) => html`<li>${c.status ? statusIcon(c.status) : ''}<div class="main"><a class="title" href="${repoPath(repo)}/bugs/${c.id}">${c.title ?? c.id}</a>
<div class="meta mono">${humanId(c.id)} · ${c.id}</div></div></li>`,
  )}</ul>`;
  const count = total > 20 ? 'more than 20' : String(total);
  const more = total > candidates.length ? ' Type more of the id to narrow it down.' : '';
  return errorPage(409, `The id prefix "${prefix}" matches ${count} bugs. Pick one:${more}`, repo, list);
}
