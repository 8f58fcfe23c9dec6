// `/`: every repository with its description, bug count and last update.
// Opens no cache (the counts come from the refs: src/git/bug-count.ts).

import type { RepoSummary } from '../../git/repo-path.js';
import { html, repoPath } from '../html.js';
import { timeTag } from '../time.js';
import { plural } from './components.js';
import { layout } from './layout.js';

/** A repository as the index lists it: `bugs` undefined when its refs could not be counted. */
export type IndexRow = RepoSummary & { bugs?: number };

export function indexPage(repos: readonly IndexRow[]): string {
  const rows = repos.map(
    (r) => html`<li><div class="main">
  <a class="title" href="${repoPath(r.name)}">${r.name}</a>
  ${r.description ? html`<div class="meta">${r.description}</div>` : ''}
</div>
<div class="side"><span>${r.bugs !== undefined ? html`<a href="${repoPath(r.name)}/bugs?q=">${plural(r.bugs, 'bug')}</a> · ` : ''}updated ${timeTag(r.updatedAt)}</span></div></li>`,
  );
  const body = html`<h1>Repositories</h1>
<p class="muted">${plural(repos.length, 'repository', 'repositories')}</p>
<div class="card">${
    repos.length
      ? html`<ul class="list">${rows}</ul>`
      : html`<div class="empty">No repositories yet. Bare repositories in the data folder's
<code>repos/</code> directory (<code>repos/NAME.git</code>) appear here.</div>`
  }</div>`;
  return layout({ title: 'Repositories', body });
}
