// Bug ids and commit hashes in comments become links to the repository's
// pages; never inside code, existing links or image descriptions.

import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/render/markdown.js';

const BUG = 'a1b2c3d4'.repeat(8);
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const links = { bugs: '/group/app/bugs/', commits: '/group/app/commit/' };

const render = (text: string) => renderMarkdown(text, { links });

describe('links to bugs and commits', () => {
  it('links a full bug id and a commit hash in prose', () => {
    const out = render(`Duplicate of ${BUG}, fixed in ${COMMIT}.`);
    expect(out).toContain(`<a href="/group/app/bugs/${BUG}" rel="nofollow noopener noreferrer ugc">${BUG}</a>`);
    expect(out).toContain(`<a href="/group/app/commit/${COMMIT}" rel="nofollow noopener noreferrer ugc">${COMMIT}</a>`);
    expect(out).toMatch(/^<p>Duplicate of <a [^>]+>[0-9a-f]{64}<\/a>, fixed in <a [^>]+>[0-9a-f]{40}<\/a>\.<\/p>\n$/);
  });

  it('links in headings, lists and emphasis, several per line', () => {
    const out = render(`# See ${COMMIT}\n\n- *${BUG}* and ${BUG}`);
    expect(out.match(/href="\/group\/app\/bugs\//g)).toHaveLength(2);
    expect(out).toContain(`<h1>See <a href="/group/app/commit/${COMMIT}"`);
    expect(out).toContain(`<em><a href="/group/app/bugs/${BUG}"`);
  });

  it('leaves code spans, code blocks, fenced code, existing links and image text alone', () => {
    const out = render(
      [
        `\`${BUG}\``,
        `    ${COMMIT}`,
        '```',
        BUG,
        '```',
        `[the fix](https://example.org/${COMMIT})`,
        `[${BUG}](https://x.example/)`,
        `![${COMMIT}](https://x.example/i.png)`,
      ].join('\n\n'),
    );
    expect(out).not.toContain('/group/app/');
    expect(out).toContain(`<code>${BUG}</code>`);
    expect(out).toContain(`href="https://example.org/${COMMIT}"`);
    expect(out).toContain(`alt="${COMMIT}"`);
  });

  it('does not link hex that is part of a longer word, uppercase or of another length', () => {
    const out = render(`x${COMMIT} ${COMMIT}9 ${COMMIT.toUpperCase()} ${BUG.slice(0, 50)} ${BUG}0`);
    expect(out).not.toContain('<a ');
  });

  it('without a repository nothing is linked', () => {
    expect(renderMarkdown(`see ${BUG}`)).not.toContain('<a ');
  });

  it('a hostile repository path cannot break out of the attribute', () => {
    const out = renderMarkdown(`see ${BUG}`, { links: { bugs: '/a%22b/bugs/', commits: '/a%22b/commit/' } });
    expect(out).toContain(`href="/a%22b/bugs/${BUG}"`);
  });
});
