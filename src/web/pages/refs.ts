// `/{repo}/branches` and `/{repo}/tags`.

import type { RefInfo, Refs } from '../../code/refs.js';
import { html } from '../html.js';
import { timeTag } from '../time.js';
import { codeTabs, codeUrl } from './code-parts.js';
import { plural } from './components.js';
import { layout } from './layout.js';

export function refsPage(repo: string, refs: Refs, kind: 'branch' | 'tag'): string {
  const list: RefInfo[] = kind === 'branch' ? refs.branches : refs.tags;
  const head = refs.head && 'branch' in refs.head ? refs.head.branch : undefined;
  const rows = list.map(
    (r) => html`<li><div class="main"><a class="title" href="${codeUrl(repo, 'tree', r.name)}">${r.name}</a>${
      kind === 'branch' && r.name === head ? html` <span class="pill default">default</span>` : ''
    }
<div class="meta">${r.subject ?? ''}${r.date ? html` · ${timeTag(r.date)}` : ''}</div></div>
<div class="side"><a class="btn small" href="${codeUrl(repo, 'commits', r.name)}">Commits</a></div></li>`,
  );
  const title = kind === 'branch' ? 'Branches' : 'Tags';
  const body = html`${codeTabs(repo, kind === 'branch' ? 'branches' : 'tags')}
<p class="muted">${plural(list.length, kind, kind === 'branch' ? 'branches' : 'tags')}${refs.truncated ? ' (more exist than are listed)' : ''}</p>
<div class="card">${rows.length ? html`<ul class="list">${rows}</ul>` : html`<div class="empty">No ${title.toLowerCase()} yet.</div>`}</div>`;
  return layout({ title: `${title} · ${repo}`, repo, body });
}
