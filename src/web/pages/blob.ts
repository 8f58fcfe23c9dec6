// `/{repo}/blob/{ref}/{path}`: one file. Highlighted source with line
// anchors (#L10; the line a link names is marked with CSS :target), Markdown
// rendered with a switch to its source, images shown, binary and large files
// offered as a download only, symbolic links and submodules described.

import type { Refs, Resolved } from '../../code/refs.js';
import type { CodeEntry } from '../../code/tree.js';
import { html, SafeHtml, type HtmlValue } from '../html.js';
import { codeTabs, codeUrl, pathCrumbs, refSelector, showName } from './code-parts.js';
import { plural } from './components.js';
import { layout } from './layout.js';

export type FileContent =
  | { kind: 'code'; lines: string[]; language: string | undefined; markdownSwitch: boolean }
  | { kind: 'markdown'; html: string }
  | { kind: 'image' }
  | { kind: 'binary' }
  | { kind: 'too-big' }
  | { kind: 'symlink'; target: Buffer }
  | { kind: 'submodule'; commit: string };

export interface BlobView {
  repo: string;
  refs: Refs;
  at: Resolved;
  entry: CodeEntry;
  size: number;
  content: FileContent;
  /** lines marked by `?lines=10-20` (a range needs the server: the page has no script) */
  selected?: { from: number; to: number };
}

function size(bytes: number): string {
  if (bytes < 1024) return plural(bytes, 'byte');
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function codeTable(lines: string[], sel: BlobView['selected']): SafeHtml {
  const marked = (n: number) => (sel && n >= sel.from && n <= sel.to ? html` class="sel"` : '');
  // The highlighter returns escaped HTML, one self-contained string per line.
  return html`<div class="code-scroll"><table class="code">${lines.map(
    (l, i) =>
      html`<tr id="L${i + 1}"${marked(i + 1)}><td class="ln"><a href="#L${i + 1}">${i + 1}</a></td><td class="src">${new SafeHtml(l || ' ')}</td></tr>`,
  )}</table></div>`;
}

function content(v: BlobView, raw: string): HtmlValue {
  const c = v.content;
  const download = html`<div class="empty">${c.kind === 'too-big' ? `This file is ${size(v.size)}, too large to show.` : 'This is a binary file.'}
<div><a class="btn" href="${raw}">Download</a></div></div>`;
  switch (c.kind) {
    case 'code':
      return codeTable(c.lines, v.selected);
    case 'markdown':
      return html`<div class="body markdown">${new SafeHtml(c.html)}</div>`;
    case 'image':
      return html`<div class="body image"><img src="${raw}" alt="${showName(v.entry.name)}"></div>`;
    case 'binary':
    case 'too-big':
      return download;
    case 'symlink':
      return html`<div class="body">Symbolic link to <code>${showName(c.target)}</code> <span class="muted small">(links are shown, never followed)</span></div>`;
    case 'submodule':
      return html`<div class="body">Submodule at commit <code>${c.commit}</code> <span class="muted small">(another repository; not browsable here)</span></div>`;
    default:
      return c satisfies never;
  }
}

export function blobPage(v: BlobView): string {
  const raw = codeUrl(v.repo, 'raw', v.at.ref, v.at.rest);
  const here = codeUrl(v.repo, 'blob', v.at.ref, v.at.rest);
  const c = v.content;
  const switcher =
    c.kind === 'markdown'
      ? html`<a class="btn small" href="${here}?plain=1">Source</a>`
      : c.kind === 'code' && c.markdownSwitch
        ? html`<a class="btn small" href="${here}">Rendered</a>`
        : '';
  const lines = c.kind === 'code' ? html`${plural(c.lines.length, 'line')} · ` : '';
  const body = html`${codeTabs(v.repo, 'code', v.at.ref)}
<div class="toolbar">${refSelector(v.repo, 'blob', v.at.ref, v.refs, v.at.rest)}${pathCrumbs(v.repo, v.at.ref, v.at.rest)}</div>
<div class="card file">
<div class="head small"><span class="muted">${lines}${size(v.size)}${c.kind === 'code' && c.language ? ` · ${c.language}` : ''}</span>
<span style="margin-left:auto">${switcher} <a class="btn small" href="${codeUrl(v.repo, 'commits', v.at.ref, v.at.rest)}">History</a> <a class="btn small" href="${raw}">Raw</a></span></div>
${content(v, raw)}
</div>`;
  return layout({ title: `${v.at.rest.map(showName).join('/')} at ${v.at.ref} · ${v.repo}`, repo: v.repo, body });
}
