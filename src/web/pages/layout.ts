// The frame of every page: head, top bar with breadcrumbs, content.

import { html, repoPath, type HtmlValue, type SafeHtml } from '../html.js';
import { STYLE_URL } from './style.js';

export interface PageOptions {
  title: string;
  /** the repository the page belongs to, shown as breadcrumbs */
  repo?: string;
  body: HtmlValue;
}

function crumbs(repo: string): SafeHtml {
  const parts = repo.split('/');
  const links = parts.map((_, i) => {
    const name = parts.slice(0, i + 1).join('/');
    // Only the full name is a repository; groups are plain text.
    return i === parts.length - 1 ? html`<a href="${repoPath(name)}"><strong>${parts[i]}</strong></a>` : html`${parts[i]} / `;
  });
  return html`<nav>/ ${links}</nav>`;
}

export function layout(opts: PageOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${opts.title} · bugserve</title>
<link rel="stylesheet" href="${STYLE_URL}">
</head>
<body>
<header class="top"><div class="wrap"><a class="brand" href="/">bugserve</a>${opts.repo ? crumbs(opts.repo) : ''}</div></header>
<main class="wrap">
${opts.body}
</main>
<footer>bugserve · issues kept in git with git-bug</footer>
</body>
</html>
`.value;
}
