// `/{repo}/commit/{hash}`: the message (bug ids linked to their bugs), the
// author, parents, and a unified diff per file. Large diffs are cut with a note.

import type { CommitView, FileChange } from '../../code/commit.js';
import { MAX_DIFF_BYTES, MAX_DIFF_FILES } from '../../code/commit.js';
import { html, type SafeHtml } from '../html.js';
import { timeTag } from '../time.js';
import { codeTabs, codeUrl, commitUrl, linkBugIds, shortHash, showName } from './code-parts.js';
import { plural } from './components.js';
import { errorPage } from './error.js';
import { layout } from './layout.js';

function lineClass(l: string): string {
  if (l.startsWith('@@')) return 'hunk';
  if (l.startsWith('+')) return 'add';
  if (l.startsWith('-')) return 'del';
  return 'ctx';
}

function fileBlock(repo: string, hash: string, f: FileChange, i: number): SafeHtml {
  const p = f.patch;
  const name = showName(f.path);
  const segs = f.path
    .toString('latin1')
    .split('/')
    .map((s) => Buffer.from(s, 'latin1'));
  const view = f.status === 'deleted' ? '' : html`<a class="btn small" href="${codeUrl(repo, 'blob', hash, segs)}">View file</a>`;
  const stats = p && !p.binary ? html`<span class="add">+${p.additions}</span> <span class="del">−${p.deletions}</span>` : '';
  let diff: SafeHtml;
  if (!p) diff = html`<div class="empty small">The diff of this file is beyond what bugserve shows.</div>`;
  else if (p.binary) diff = html`<div class="empty small">Binary file changed.</div>`;
  else if (!p.lines.length)
    diff = html`<div class="empty small">${f.status === 'type-changed' || f.newMode !== f.oldMode ? 'Mode changed.' : 'No textual change.'}</div>`;
  else
    diff = html`<div class="code-scroll"><table class="diff">${p.lines.map((l) => html`<tr class="${lineClass(l)}"><td>${l || ' '}</td></tr>`)}</table></div>`;
  return html`<div class="card file" id="f${i}"><div class="head small"><span class="badge-status ${f.status}">${f.status}</span>
<strong class="mono name">${name}</strong><span style="margin-left:auto">${stats} ${view}</span></div>${diff}</div>`;
}

export function commitPage(repo: string, v: CommitView): string {
  const c = v.commit;
  const [subject, ...rest] = c.message.replace(/\n+$/, '').split('\n');
  const description = rest.join('\n').replace(/^\n+/, '');
  const notes: SafeHtml[] = [];
  if (v.diffTruncated)
    notes.push(
      html`<div class="notice" role="status">This diff is larger than ${MAX_DIFF_BYTES / 1024} KiB: it is cut, and files after the cut show no changes. Clone the repository to see all of it.</div>`,
    );
  if (v.filesTruncated)
    notes.push(
      html`<div class="notice" role="status">More than ${MAX_DIFF_FILES} files changed: only the first ${MAX_DIFF_FILES} are listed.</div>`,
    );
  const body = html`${codeTabs(repo, 'commits')}
<div class="card"><div class="body">
<h1 class="commit-subject">${linkBugIds(repo, subject || '(no message)')}</h1>
${description ? html`<pre class="plain message">${linkBugIds(repo, description)}</pre>` : ''}
<p class="small muted"><strong>${c.author.name}</strong> authored ${timeTag(c.author.at)}${
    c.committer.name !== c.author.name ? html` · <strong>${c.committer.name}</strong> committed ${timeTag(c.committer.at)}` : ''
  }</p>
<p class="small mono">commit ${c.hash}${c.parents.map((p) => html`<br>parent <a href="${commitUrl(repo, p)}">${shortHash(p)}</a>`)}</p>
<p><a class="btn small" href="${codeUrl(repo, 'tree', c.hash)}">Browse files</a></p>
</div></div>
<p class="small muted">${plural(v.files.length, 'file')} changed${c.parents.length > 1 ? ' (compared with the first parent)' : ''}</p>
${notes}
${v.files.map((f, i) => fileBlock(repo, c.hash, f, i))}`;
  return layout({ title: `${subject} · ${shortHash(c.hash)} · ${repo}`, repo, body });
}

/** 409: a short commit id that names several commits. */
export function ambiguousCommitPage(repo: string, prefix: string, candidates: readonly string[]): string {
  const list = html`<ul class="list card">${candidates.map(
    (id) => html`<li><div class="main"><a class="title mono" href="${commitUrl(repo, id)}">${id}</a></div></li>`,
  )}</ul>`;
  return errorPage(409, `The commit id "${prefix}" matches ${candidates.length} commits. Pick one:`, repo, list);
}
