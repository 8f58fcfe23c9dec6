// Markdown from comments and READMEs, rendered safely: raw HTML is escaped
// (html: false), links may only be http(s), mailto or relative, images only
// http(s), relative or inline raster data, and every link is marked nofollow.

import MarkdownIt from 'markdown-it';
import { refLinks, type RenderEnv } from './links.js';

const md = new MarkdownIt({ html: false, linkify: true, typographer: false }).use(refLinks);

const SAFE_LINK = /^(https?:|mailto:)/i;
const SAFE_IMAGE_DATA = /^data:image\/(gif|png|jpeg|webp);/i;
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

md.validateLink = (url: string): boolean => {
  // Browsers ignore these characters inside a scheme ("java\tscript:"), so drop them before looking.
  // eslint-disable-next-line no-control-regex
  const u = url.trim().replace(/[\u0000-\u0020\u007f]/g, '');
  if (SAFE_LINK.test(u) || SAFE_IMAGE_DATA.test(u)) return true;
  return !HAS_SCHEME.test(u) && !u.startsWith('//') && !u.startsWith('\\\\');
};

const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx];
  const href = String(token.attrGet('href') ?? '');
  // data: URLs are allowed for images only, never as link targets.
  if (/^\s*data:/i.test(href)) token.attrSet('href', '#');
  token.attrSet('rel', 'nofollow noopener noreferrer ugc');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

const defaultImage = md.renderer.rules.image;
md.renderer.rules.image = (tokens, idx, options, env, self) => {
  tokens[idx].attrSet('loading', 'lazy');
  tokens[idx].attrSet('referrerpolicy', 'no-referrer');
  return defaultImage(tokens, idx, options, env, self);
};

/** Rendering stops being useful long before this; keeps a hostile comment from costing seconds. */
const MAX_MARKDOWN_CHARS = 200_000;

/** HTML from Markdown. Pure and synchronous: the web layer calls it through the render pool. */
export function renderMarkdown(text: string, env: RenderEnv = {}): string {
  const src = text.length > MAX_MARKDOWN_CHARS ? text.slice(0, MAX_MARKDOWN_CHARS) + '\n\n…' : text;
  // markdown-it writes into env (references): a copy per render.
  return md.render(src, { ...env });
}
