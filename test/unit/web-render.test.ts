import { describe, expect, it } from 'vitest';
import type { ListReply } from '../../src/cache/protocol.js';
import type { Bug, BugExcerpt } from '../../src/gitbug/types.js';
import { labelColor } from '../../src/gitbug/label-color.js';
import { escapeHtml, html, SafeHtml } from '../../src/web/html.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { bugListPage, tabQuery } from '../../src/web/pages/bug-list.js';
import { bugPage, markdownTexts } from '../../src/web/pages/bug.js';
import { ambiguousPage, errorPage } from '../../src/web/pages/error.js';
import { indexPage } from '../../src/web/pages/index.js';
import { repoPage } from '../../src/web/pages/repo.js';
import { relativeAge } from '../../src/web/time.js';

const XSS = '<script>alert(1)</script>';
const A = { id: 'a'.repeat(64), name: `Mallory ${XSS}` };
const B = { id: 'b'.repeat(64), name: 'Bob' };
const BUG_ID = '0123456789abcdef'.repeat(4);

function excerpt(over: Partial<BugExcerpt> = {}): BugExcerpt {
  return {
    id: BUG_ID,
    title: `Crash ${XSS}`,
    status: 'open',
    labels: ['bug', `x"><img src=x onerror=alert(1)>`],
    author: A,
    createdAt: '2024-01-01T00:00:00Z',
    editedAt: '2024-01-02T00:00:00Z',
    comments: 3,
    ...over,
  };
}

const bug: Bug = {
  ...excerpt({ status: 'closed' }),
  comments: [],
  participants: [A.id, B.id],
  actors: [A.id, B.id],
  timeline: [
    {
      type: 'create',
      id: 'c1',
      author: A,
      at: '2024-01-01T00:00:00Z',
      message: `Steps:\n\n1. open ${XSS}\n\n[click](javascript:alert(1)) and [ok](https://example.com)`,
      edited: true,
      history: [
        { author: A, at: '2024-01-01T00:00:00Z', message: 'first draft <b>bold</b>' },
        { author: B, at: '2024-01-01T01:00:00Z', message: `Steps:\n\n1. open ${XSS}` },
      ],
    },
    { type: 'title', id: 't1', author: B, at: '2024-01-01T02:00:00Z', title: `Crash ${XSS}`, was: 'Old <title>' },
    { type: 'labels', id: 'l1', author: B, at: '2024-01-01T03:00:00Z', added: ['bug'], removed: ['wontfix'] },
    { type: 'status', id: 's1', author: A, at: '2024-01-01T04:00:00Z', status: 'closed' },
    { type: 'comment', id: 'c2', author: B, at: '2024-01-01T05:00:00Z', message: 'plain comment', edited: false, history: [] },
  ],
};
bug.comments = [
  { id: 'c1', author: A, createdAt: '2024-01-01T00:00:00Z', message: 'x', edited: true },
  { id: 'c2', author: B, createdAt: '2024-01-01T05:00:00Z', message: 'plain comment', edited: false },
];

describe('html templates', () => {
  it('escapes interpolated text and keeps nested templates', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(html`<p>${XSS}${html`<b>${'&'}</b>`}${['<', '>']}${undefined}</p>`.value).toBe(
      '<p>&lt;script&gt;alert(1)&lt;/script&gt;<b>&amp;</b>&lt;&gt;</p>',
    );
  });
});

describe('markdown', () => {
  it('escapes raw HTML and drops unsafe links', () => {
    const out = renderMarkdown(
      `${XSS}\n\n[a](javascript:alert(1)) [b](vbscript:x) [c](data:text/html,x) [d](https://ok.example/)\n\n![i](javascript:x)`,
    );
    expect(out).not.toContain('<script');
    expect(out).toContain('&lt;script&gt;');
    expect(out).not.toMatch(/href="(javascript|vbscript|data):/i);
    expect(out).not.toMatch(/src="javascript:/i);
    expect(out).toContain('href="https://ok.example/"');
    expect(out).toContain('rel="nofollow noopener noreferrer ugc"');
  });

  it('renders ordinary Markdown', () => {
    const out = renderMarkdown('# Title\n\n*em* `code`\n\n```\nblock\n```\n\nhttps://auto.link');
    expect(out).toContain('<h1>Title</h1>');
    expect(out).toContain('<em>em</em>');
    expect(out).toContain('<code>code</code>');
    expect(out).toContain('<a href="https://auto.link"');
  });
});

describe('pages', () => {
  const reply: ListReply = {
    total: 60,
    open: 60,
    closed: 7,
    page: 2,
    perPage: 25,
    bugs: [excerpt()],
    damaged: [{ id: 'f'.repeat(64), reason: `bad ops ${XSS}`, code: 'damaged_data' }],
  };

  it('bug list: escaped rows, tabs, pills, pagination, damaged notice', () => {
    const page = bugListPage({ repo: 'group/app', q: undefined, reply });
    expect(page).not.toContain(XSS);
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('Crash &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('60 Open');
    expect(page).toContain('7 Closed');
    expect(page).toContain('value="status:open"');
    expect(page).toContain(`href="/group/app/bugs/${BUG_ID}"`);
    expect(page).toContain(BUG_ID.slice(0, 7));
    expect(page).toContain(`background:${labelColor('bug').hex}`);
    expect(page).toContain('Page 2 of 3');
    expect(page).toContain('href="/group/app/bugs?page=1"');
    expect(page).toContain('href="/group/app/bugs?page=3"');
    expect(page).toContain('1 bug could not be read');
    expect(page).toContain('bad ops &lt;script&gt;');
    expect(page).toContain('href="/group/app/bugs?q=status%3Aclosed"');
  });

  it('bug list keeps an empty q in links (every bug)', () => {
    const page = bugListPage({ repo: 'r', q: '', reply });
    expect(page).toContain('value=""');
    expect(page).toContain('href="/r/bugs?q=&amp;page=3"');
  });

  it('tab queries swap the status and keep the rest', () => {
    expect(tabQuery(undefined, 'closed')).toBe('status:closed');
    expect(tabQuery('', 'open')).toBe('status:open');
    expect(tabQuery('label:bug status:open crash', 'closed')).toBe('status:closed label:bug crash');
  });

  it('bug page: timeline with escaped content, edit history, events', () => {
    const page = bugPage('app', bug, new Map(markdownTexts(bug).map((t) => [t, new SafeHtml(renderMarkdown(t))])));
    expect(page).not.toContain(XSS);
    expect(page).not.toContain('<b>bold</b>');
    expect(page).not.toMatch(/href="javascript:/);
    expect(page).toContain('Crash &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('Mallory &lt;script&gt;');
    expect(page).toMatch(/<span class="badge closed">.*Closed<\/span>/);
    expect(page).toContain('changed the title from <del>Old &lt;title&gt;</del>');
    expect(page).toContain('closed this bug');
    expect(page).toMatch(/added <span class="pill"[^>]*>bug<\/span>/);
    expect(page).toMatch(/removed <span class="pill"[^>]*>wontfix<\/span>/);
    expect(page).toContain('edited 1 time');
    expect(page).toContain('<details class="history">');
    expect(page).toContain('first draft &lt;b&gt;bold&lt;/b&gt;');
    expect(page).toContain('2 participants');
    expect(page).toContain('>Bob</li>');
    expect(page).toContain('plain comment');
  });

  it('index, repo, error and ambiguity pages escape repository data', () => {
    const repos = [{ name: 'group/app', description: `desc ${XSS}`, updatedAt: '2024-01-01T00:00:00.000Z' }];
    const index = indexPage(repos);
    expect(index).toContain('href="/group/app"');
    expect(index).toContain('desc &lt;script&gt;');
    expect(index).not.toContain(XSS);

    const repo = repoPage(
      repos[0],
      'http://h:1/group/app.git',
      {
        name: 'README.md',
        blob: '0'.repeat(40),
        text: `# Hello\n\n${XSS}`,
        markdown: true,
        truncated: false,
      },
      new SafeHtml(renderMarkdown(`# Hello\n\n${XSS}`)),
    );
    expect(repo).toContain('git clone http://h:1/group/app.git');
    expect(repo).toContain('<h2>Hello</h2>');
    expect(repo).not.toContain(XSS);
    expect(repo).toContain('href="/group/app/bugs"');

    const err = errorPage(404, `No bug "${XSS}"`);
    expect(err).toContain('Not found');
    expect(err).not.toContain(XSS);

    const amb = ambiguousPage('app', 'ab<', [{ id: 'ab'.repeat(32), title: XSS, status: 'open' }, { id: 'ab1'.padEnd(64, '0') }]);
    expect(amb).toContain('matches 2 bugs');
    expect(amb).toContain(`href="/app/bugs/${'ab'.repeat(32)}"`);
    expect(amb).not.toContain(XSS);
  });
});

describe('relativeAge', () => {
  const now = Date.parse('2024-06-01T00:00:00Z');
  it.each([
    ['2024-05-31T23:59:30Z', 'just now'],
    ['2024-05-31T23:55:00Z', '5 minutes ago'],
    ['2024-05-31T23:00:00Z', '1 hour ago'],
    ['2024-05-29T00:00:00Z', '3 days ago'],
    ['2024-03-01T00:00:00Z', '3 months ago'],
    ['2021-06-01T00:00:00Z', '3 years ago'],
  ])('%s is %s', (iso, text) => expect(relativeAge(iso, now)).toBe(text));
});
