// `/{repo}`: clone URL, README of the default branch, links to the bugs.

import type { RepoSummary } from '../../git/repo-path.js';
import { html, queryString, repoPath, trusted, type SafeHtml } from '../html.js';
import type { Readme } from '../readme.js';
import { timeTag } from '../time.js';
import { plural } from './components.js';
import { layout } from './layout.js';

/** README headings move one level down: the page's only <h1> is the repository name. */
function demoteHeadings(rendered: string): SafeHtml {
  // The renderer escapes raw HTML, so every "<hN" in its output is its own tag.
  return trusted(
    rendered.replace(/<(\/?)h([1-5])([\s>])/g, (_, slash: string, n: string, end: string) => `<${slash}h${Number(n) + 1}${end}`),
  );
}

/** `readmeHtml`: the README's Markdown rendered (src/web/rendered.ts), when it is Markdown. */
export function repoPage(
  repo: RepoSummary & { bugs?: number },
  cloneUrl: string,
  readme: Readme | undefined,
  readmeHtml?: SafeHtml,
): string {
  const bugs = repoPath(repo.name) + '/bugs';
  const readmeCard = readme
    ? html`<div class="card"><div class="head"><strong>${readme.name}</strong></div>
<div class="body">${readme.markdown && readmeHtml ? html`<div class="markdown">${demoteHeadings(readmeHtml.value)}</div>` : html`<pre class="plain">${readme.text}</pre>`}
${readme.truncated ? html`<p class="muted small">The README is longer than bugserve shows; the rest is cut off.</p>` : ''}</div></div>`
    : html`<div class="card"><div class="empty">This repository's default branch has no README.</div></div>`;
  const body = html`<h1>${repo.name}</h1>
${repo.description ? html`<p>${repo.description}</p>` : ''}
<p class="muted small">${repo.bugs !== undefined ? `${plural(repo.bugs, 'bug')} · ` : ''}Last updated ${timeTag(repo.updatedAt)}</p>
<div class="toolbar">
  <a class="btn primary" href="${bugs}">Open bugs</a>
  <a class="btn" href="${bugs + queryString({ q: '' })}">All bugs</a>
  <a class="btn" href="${repoPath(repo.name)}/tree">Code</a>
  <a class="btn" href="${repoPath(repo.name)}/commits">Commits</a>
  <a class="btn" href="${repoPath(repo.name)}/branches">Branches</a>
</div>
<div class="clone"><span class="muted small">Clone</span><code>git clone ${cloneUrl}</code></div>
${readmeCard}`;
  return layout({ title: repo.name, repo: repo.name, body });
}
