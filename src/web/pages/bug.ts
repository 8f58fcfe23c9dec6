// `/{repo}/bugs/{id}`: title, status, author, labels, participants and the
// timeline: comments (Markdown, with edit history), title, label and status
// changes, each with its author and time.

import { humanId } from '../../gitbug/id.js';
import { emptyQuery, formatQuery, type Query } from '../../gitbug/query.js';
import type { Bug, CommentVersion, Person, TimelineItem } from '../../gitbug/types.js';
import { html, queryString, repoPath, SafeHtml } from '../html.js';
import { timeTag } from '../time.js';
import { ICONS, labelPill, labelPills, personName, plural, statusBadge, statusIcon } from './components.js';
import { layout } from './layout.js';

function knownNames(bug: Bug): Map<string, string> {
  const names = new Map<string, string>();
  const see = (p: Person) => {
    if (p.name && !names.has(p.id)) names.set(p.id, p.name);
  };
  see(bug.author);
  for (const c of bug.comments) see(c.author);
  for (const t of bug.timeline) {
    see(t.author);
    if (t.type === 'create' || t.type === 'comment') t.history.forEach((h) => see(h.author));
  }
  return names;
}

/** Rendered Markdown by text (src/web/rendered.ts); a text missing from it is shown escaped. */
type Markdown = (text: string) => SafeHtml;

/** Every Markdown text the page shows, in page order (what `bugPage` will ask `markdown` for). */
export function markdownTexts(bug: Bug): string[] {
  const texts: string[] = [];
  for (const t of bug.timeline) {
    if (t.type !== 'create' && t.type !== 'comment') continue;
    if (t.message.trim()) texts.push(t.message);
    if (t.edited && t.history.length > 1) texts.push(...t.history.map((v) => v.message));
  }
  return texts;
}

function history(versions: readonly CommentVersion[], markdown: Markdown): SafeHtml {
  const edits = versions.length - 1;
  return html`<details class="history"><summary>edited ${plural(edits, 'time')} — show history</summary>${versions.map(
    (
      v,
      i,
    ) => html`<div class="version"><div class="muted small">${i === 0 ? 'original' : `edit ${i}`} by ${personName(v.author)} ${timeTag(v.at)}</div>
<div class="markdown">${markdown(v.message)}</div></div>`,
  )}</details>`;
}

function item(t: TimelineItem, markdown: Markdown): SafeHtml {
  switch (t.type) {
    case 'create':
    case 'comment':
      return html`<div class="item card" id="c-${humanId(t.id)}">
<div class="head">${personName(t.author)} <span class="muted">${t.type === 'create' ? 'opened this bug' : 'commented'} ${timeTag(t.at)}</span>${
        t.edited ? html` <span class="muted small">· edited</span>` : ''
      }</div>
<div class="body"><div class="markdown">${t.message.trim() ? markdown(t.message) : html`<p class="muted"><em>No description provided.</em></p>`}</div>
${t.edited && t.history.length > 1 ? history(t.history, markdown) : ''}</div></div>`;
    case 'title':
      return html`<div class="item event">${ICONS.pencil} ${personName(t.author)} changed the title from <del>${t.was}</del> to <strong>${t.title}</strong> ${timeTag(t.at)}</div>`;
    case 'status':
      return html`<div class="item event">${statusIcon(t.status)} ${personName(t.author)} ${
        t.status === 'closed' ? 'closed this bug' : 'reopened this bug'
      } ${timeTag(t.at)}</div>`;
    case 'labels': {
      const added = t.added.length ? html`added ${labelPills(t.added)}` : '';
      const removed = t.removed.length ? html`${t.added.length ? ' and ' : ''}removed ${t.removed.map(labelPill)}` : '';
      return html`<div class="item event">${ICONS.tag} ${personName(t.author)} ${added}${removed} ${timeTag(t.at)}</div>`;
    }
  }
}

/** The list query for one label or author, quoted as the query language needs. */
const only = (change: Partial<Query>) => formatQuery({ ...emptyQuery(), ...change });

/** `rendered`: the HTML of `markdownTexts(bug)`, by text. */
export function bugPage(repo: string, bug: Bug, rendered: ReadonlyMap<string, SafeHtml>): string {
  const markdown: Markdown = (text) => rendered.get(text) ?? html`<pre class="plain">${text}</pre>`;
  const names = knownNames(bug);
  const list = `${repoPath(repo)}/bugs`;
  const comments = bug.comments.length;
  const body = html`<p class="small"><a href="${list}">← Bugs</a></p>
<h1>${bug.title} <span class="id mono" title="${bug.id}">${humanId(bug.id)}</span></h1>
<p>${statusBadge(bug.status)} ${bug.author.name ? html`<a class="author" href="${list + queryString({ q: only({ authors: [bug.author.name] }) })}" title="Bugs opened by ${bug.author.name}">${personName(bug.author)}</a>` : personName(bug.author)} <span class="muted">opened this bug ${timeTag(bug.createdAt)} · ${plural(comments, 'comment')}</span></p>
<div class="layout">
  <div class="timeline">${bug.timeline.map((t) => item(t, markdown))}</div>
  <aside>
    <section><h3>Labels</h3>${bug.labels.length ? bug.labels.map((l) => html`<a href="${list + queryString({ q: only({ labels: [l] }) })}" title="Bugs labelled ${l}">${labelPill(l)}</a>`) : html`<span class="muted small">None yet</span>`}</section>
    <section><h3>${plural(bug.participants.length, 'participant')}</h3><ul>${bug.participants.map(
      (id) => html`<li title="${id}">${names.get(id) ?? humanId(id)}</li>`,
    )}</ul></section>
    <section><h3>Id</h3><code class="small wrap-anywhere">${bug.id}</code></section>
  </aside>
</div>`;
  return layout({ title: `${bug.title} · ${repo}`, repo, body });
}
