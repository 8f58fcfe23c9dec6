// Bug ids and commit hashes in comments become links: a full 64-hex id to the
// bug's page, a 40-hex hash to the commit's page. A markdown-it core rule over
// the text of paragraphs and headings only, so code spans, code blocks,
// existing links and image descriptions are left alone. Short prefixes are not
// linked: whether one names a bug depends on data the renderer does not have.

import type { MarkdownIt, StateCore, Token } from 'markdown-it';

/** Where the links go: URL path prefixes to which an id or hash is appended. */
export interface RefLinks {
  /** e.g. `/group/app/bugs/` */
  bugs: string;
  /** e.g. `/group/app/commit/` */
  commits: string;
}

/** What a render is given through markdown-it's env. */
export interface RenderEnv {
  links?: RefLinks;
}

// Lowercase only, as git and git-bug write them; not part of a longer word.
const REF = /(?<![0-9A-Za-z])([0-9a-f]{64}|[0-9a-f]{40})(?![0-9A-Za-z])/g;

function linkTokens(state: StateCore, text: string, links: RefLinks, level: number): Token[] | undefined {
  REF.lastIndex = 0;
  if (!REF.test(text)) return undefined;
  REF.lastIndex = 0;
  const out: Token[] = [];
  const plain = (content: string) => {
    if (!content) return;
    const t = new state.Token('text', '', 0);
    t.content = content;
    t.level = level;
    out.push(t);
  };
  let last = 0;
  for (let m = REF.exec(text); m; m = REF.exec(text)) {
    plain(text.slice(last, m.index));
    const ref = m[1];
    const open = new state.Token('link_open', 'a', 1);
    open.attrs = [['href', (ref.length === 64 ? links.bugs : links.commits) + ref]];
    open.level = level++;
    open.markup = 'bugserve-ref';
    const label = new state.Token('text', '', 0);
    label.content = ref;
    label.level = level;
    const close = new state.Token('link_close', 'a', -1);
    close.level = --level;
    close.markup = 'bugserve-ref';
    out.push(open, label, close);
    last = m.index + ref.length;
  }
  plain(text.slice(last));
  return out;
}

function refRule(state: StateCore): void {
  const links = (state.env as RenderEnv | undefined)?.links;
  if (!links) return;
  for (const block of state.tokens) {
    if (block.type !== 'inline' || !block.children) continue;
    const children = block.children;
    let inLink = 0;
    for (let i = 0; i < children.length; i++) {
      const t = children[i];
      if (t.type === 'link_open') inLink++;
      else if (t.type === 'link_close') inLink--;
      else if (t.type === 'text' && inLink === 0) {
        const replaced = linkTokens(state, t.content, links, t.level);
        if (!replaced) continue;
        children.splice(i, 1, ...replaced);
        i += replaced.length - 1;
      }
    }
  }
}

/** The plugin: `md.use(refLinks)`, then render with `{ links }` as env. */
export function refLinks(md: MarkdownIt): void {
  md.core.ruler.push('bugserve_refs', refRule);
}
