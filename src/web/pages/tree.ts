// `/{repo}/tree/{ref}/{path}`: a folder at a branch, tag or commit. Folders
// first; each entry with its last commit where one was found cheaply; the
// folder's README below. Also the page of a repository with no code yet.

import type { Refs, Resolved } from '../../code/refs.js';
import type { CodeEntry, LastCommit } from '../../code/tree.js';
import type { CommitDetail } from '../../code/commit.js';
import { html, repoPath, trusted, type SafeHtml, type HtmlValue } from '../html.js';
import { timeTag } from '../time.js';
import { codeTabs, codeUrl, commitUrl, pathCrumbs, refSelector, shortHash, showName } from './code-parts.js';
import { layout } from './layout.js';

export interface TreeView {
  repo: string;
  refs: Refs;
  at: Resolved;
  head: CommitDetail;
  entries: CodeEntry[];
  last: Map<string, LastCommit>;
  readme?: { name: Buffer; html: SafeHtml };
}

const svg = (d: string) =>
  trusted(
    `<svg class="icon" viewBox="0 0 16 16" aria-hidden="true"><path d="${d}" fill="none" stroke="currentColor" stroke-width="1.3" stroke-linejoin="round"/></svg>`,
  );
// Line icons, not emoji: not every system has an emoji font.
const ICON: Record<CodeEntry['kind'], SafeHtml> = {
  tree: svg('M1.75 3.25h4.5l1.5 1.5h6.5v8.5H1.75z'),
  blob: svg('M3.25 1.75h6l3.5 3.5v9h-9.5zM9.25 1.75v3.5h3.5'),
  symlink: svg('M3.25 1.75h6l3.5 3.5v9h-9.5zM5.5 11.5c0-2.5 1.5-3.5 4-3.5M8 6l1.75 2L8 10'),
  submodule: svg('M1.75 2.75h12.5v10.5H1.75zM1.75 5.75h12.5M5 9.5h6'),
};
const KIND_LABEL: Record<CodeEntry['kind'], string> = { tree: 'folder', blob: 'file', symlink: 'symbolic link', submodule: 'submodule' };

function entryLink(v: TreeView, e: CodeEntry): SafeHtml {
  const segs = [...v.at.rest, e.name];
  const name = showName(e.name);
  switch (e.kind) {
    case 'tree':
      return html`<a class="title" href="${codeUrl(v.repo, 'tree', v.at.ref, segs)}">${name}</a>`;
    case 'blob':
    case 'symlink':
      return html`<a class="title" href="${codeUrl(v.repo, 'blob', v.at.ref, segs)}">${name}</a>${e.kind === 'symlink' ? html` <span class="muted small">symbolic link</span>` : ''}`;
    case 'submodule':
      // A gitlink names a commit of another repository: shown, never followed.
      return html`<span class="title">${name}</span> <span class="muted small mono">submodule @ ${shortHash(e.oid)}</span>`;
    default:
      return e.kind satisfies never;
  }
}

function row(v: TreeView, e: CodeEntry): SafeHtml {
  const last = v.last.get(e.name.toString('latin1'));
  return html`<tr><td class="ico" title="${KIND_LABEL[e.kind]}">${ICON[e.kind]}</td><td class="name">${entryLink(v, e)}</td>
<td class="msg">${last ? html`<a href="${commitUrl(v.repo, last.hash)}">${last.subject}</a>` : ''}</td><td class="age">${last ? timeTag(last.at) : ''}</td></tr>`;
}

export function treePage(v: TreeView): string {
  const up = v.at.rest.length
    ? html`<tr><td class="ico"></td><td class="name"><a href="${codeUrl(v.repo, 'tree', v.at.ref, v.at.rest.slice(0, -1))}">..</a></td><td></td><td></td></tr>`
    : '';
  const body = html`${codeTabs(v.repo, 'code', v.at.ref)}
<div class="toolbar">${refSelector(v.repo, 'tree', v.at.ref, v.refs, v.at.rest)}${pathCrumbs(v.repo, v.at.ref, v.at.rest)}</div>
<div class="card">
<div class="head small"><strong>${v.head.author.name}</strong> <a class="msg" href="${commitUrl(v.repo, v.head.hash)}">${v.head.message.split('\n')[0]}</a>
<span class="muted" style="margin-left:auto"><a class="mono" href="${commitUrl(v.repo, v.head.hash)}">${shortHash(v.head.hash)}</a> · ${timeTag(v.head.committer.at)} · <a href="${codeUrl(v.repo, 'commits', v.at.ref, v.at.rest)}">History</a></span></div>
${v.entries.length ? html`<table class="files">${up}${v.entries.map((e) => row(v, e))}</table>` : html`<div class="empty">This folder is empty.</div>`}
</div>
${v.readme ? html`<div class="card readme"><div class="head"><strong>${showName(v.readme.name)}</strong></div><div class="body">${v.readme.html}</div></div>` : ''}`;
  const where = v.at.rest.length ? `${v.at.rest.map(showName).join('/')} at ${v.at.ref}` : v.at.ref;
  return layout({ title: `${where} · ${v.repo}`, repo: v.repo, body });
}

/** No branch at all: an empty repository, or one that only holds bugs. */
export function noCodePage(repo: string, cloneUrl: string): string {
  const body: HtmlValue = html`${codeTabs(repo, 'code')}
<div class="card"><div class="body">
<h2>No code here yet</h2>
<p>This repository has no branches. Its bugs, if it has any, are on the <a href="${repoPath(repo)}/bugs">bugs page</a>.</p>
<p>Push a branch to see it here:</p>
<pre class="plain mono">git push ${cloneUrl} main</pre>
</div></div>`;
  return layout({ title: `Code · ${repo}`, repo, body });
}
