// Pieces shared by the code pages: names from the repository shown safely,
// URLs built from their exact bytes, the path breadcrumbs, the ref selector
// (plain links, no script) and the tabs of a repository's code pages.

import type { Refs } from '../../code/refs.js';
import { html, repoPath, type SafeHtml } from '../html.js';

const CONTROL_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A name as text: UTF-8 where it is valid (U+FFFD elsewhere), control
 * characters written as escapes (a newline as `\n`, others as `\x1b`), so a
 * name can neither break a line nor hide. Escaping happens in the templates.
 */
export function showName(bytes: Buffer): string {
  return (
    bytes
      .toString('utf8')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]/g, (c) => CONTROL_ESCAPES[c] ?? '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'))
  );
}

export function showPath(segs: readonly Buffer[]): string {
  return segs.map(showName).join('/');
}

/** Every byte outside the unreserved set percent-encoded: exact for any name, invalid UTF-8 included. */
export function encodeSegment(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9._~-]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export type CodeView = 'tree' | 'blob' | 'raw' | 'commits';

/** `/{repo}/{view}/{ref}/{path}`; a ref's `/` stays a separator (see src/code/refs.ts for how it is read back). */
export function codeUrl(repo: string, view: CodeView, ref: string, segs: readonly Buffer[] = []): string {
  const refPart = ref.split('/').map(encodeURIComponent).join('/');
  return `${repoPath(repo)}/${view}/${refPart}${segs.length ? '/' + segs.map(encodeSegment).join('/') : ''}`;
}

export function commitUrl(repo: string, hash: string): string {
  return `${repoPath(repo)}/commit/${encodeURIComponent(hash)}`;
}

export function shortHash(hash: string): string {
  return hash.slice(0, 10);
}

/** repo / dir / sub / file, each folder a link to its tree. */
export function pathCrumbs(repo: string, ref: string, segs: readonly Buffer[]): SafeHtml {
  const parts = segs.map((s, i) =>
    i === segs.length - 1
      ? html` / <strong>${showName(s)}</strong>`
      : html` / <a href="${codeUrl(repo, 'tree', ref, segs.slice(0, i + 1))}">${showName(s)}</a>`,
  );
  return html`<div class="crumbs mono"><a href="${codeUrl(repo, 'tree', ref)}">${repo.split('/').at(-1)}</a>${parts}</div>`;
}

const MAX_SELECTOR_REFS = 100;

/** A disclosure of branch and tag links to the same view and path. */
export function refSelector(repo: string, view: CodeView, current: string, refs: Refs, segs: readonly Buffer[]): SafeHtml {
  const link = (name: string) =>
    html`<li><a class="${name === current ? 'active' : ''}" href="${codeUrl(repo, view, name, segs)}">${name}</a></li>`;
  const group = (title: string, names: string[]) =>
    names.length
      ? html`<div class="group"><div class="muted small">${title}</div><ul>${names.slice(0, MAX_SELECTOR_REFS).map(link)}</ul>${
          names.length > MAX_SELECTOR_REFS ? html`<div class="muted small">and ${names.length - MAX_SELECTOR_REFS} more</div>` : ''
        }</div>`
      : '';
  const label = /^[0-9a-f]{40,64}$/.test(current) ? shortHash(current) : current;
  return html`<details class="refsel"><summary class="btn" title="Switch branch or tag">${label} ▾</summary><div class="menu">${group(
    'Branches',
    refs.branches.map((b) => b.name),
  )}${group(
    'Tags',
    refs.tags.map((t) => t.name),
  )}</div></details>`;
}

export type CodeTab = 'code' | 'commits' | 'branches' | 'tags';

export function codeTabs(repo: string, active: CodeTab, ref?: string): SafeHtml {
  const base = repoPath(repo);
  const tab = (id: CodeTab, label: string, href: string) => html`<a class="${id === active ? 'active' : ''}" href="${href}">${label}</a>`;
  return html`<nav class="codetabs">${tab('code', 'Code', ref ? codeUrl(repo, 'tree', ref) : `${base}/tree`)}${tab(
    'commits',
    'Commits',
    ref ? codeUrl(repo, 'commits', ref) : `${base}/commits`,
  )}${tab('branches', 'Branches', `${base}/branches`)}${tab('tags', 'Tags', `${base}/tags`)}<a href="${base}/bugs">Bugs</a></nav>`;
}

/** Full 64-hex ids in text become links to the bug; everything else stays text. */
export function linkBugIds(repo: string, text: string): SafeHtml {
  const parts: SafeHtml[] = [];
  const re = /\b[0-9a-f]{64}\b/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    parts.push(html`${text.slice(last, m.index)}<a href="${repoPath(repo)}/bugs/${m[0]}">${m[0]}</a>`);
    last = m.index + m[0].length;
  }
  parts.push(html`${text.slice(last)}`);
  return html`${parts}`;
}
