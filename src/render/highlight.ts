// Syntax highlighting of a source file, as HTML lines. Pure and synchronous:
// the web layer calls it through the render pool, so a large file never
// stalls the main thread. Work is bounded: past the limits a file is shown as
// escaped plain text.

import hljs from 'highlight.js/lib/common';

/** Larger files are shown unhighlighted (highlight.js is roughly linear, ~1-3 ms per 10 KB). */
export const MAX_HIGHLIGHT_BYTES = 512 * 1024;
export const MAX_HIGHLIGHT_LINES = 20_000;

export interface Highlighted {
  /** one HTML string per line, every tag opened on a line closed on it */
  lines: string[];
  /** the language used, or undefined for plain text */
  language: string | undefined;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** The language highlight.js knows for a file name, by extension or whole name. */
export function languageFor(filename: string): string | undefined {
  const base = filename.slice(filename.lastIndexOf('/') + 1).toLowerCase();
  if (base === 'makefile' || base === 'gnumakefile') return 'makefile';
  if (base === 'dockerfile') return hljs.getLanguage('dockerfile') ? 'dockerfile' : undefined;
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const ext = base.slice(dot + 1);
  return hljs.getLanguage(ext) ? ext : undefined;
}

/**
 * Splits highlight.js output into lines, closing the spans open at each line
 * end and reopening them on the next, so every line stands alone (line
 * numbers and anchors wrap single lines).
 */
function splitLines(htmlText: string): string[] {
  const lines: string[] = [];
  const open: string[] = [];
  let current = '';
  const re = /(<span[^>]*>)|(<\/span>)|(\n)|([^<\n]+)/g;
  for (let m = re.exec(htmlText); m; m = re.exec(htmlText)) {
    if (m[1]) {
      open.push(m[1]);
      current += m[1];
    } else if (m[2]) {
      open.pop();
      current += m[2];
    } else if (m[3]) {
      lines.push(current + '</span>'.repeat(open.length));
      current = open.join('');
    } else {
      current += m[4];
    }
  }
  lines.push(current);
  return lines;
}

/** Highlights `text` as the language of `filename` (or `language`); plain escaped lines when unknown or too big. */
export function highlight(text: string, filename: string, language?: string): Highlighted {
  const lang = language && hljs.getLanguage(language) ? language : languageFor(filename);
  const lineCount = text.split('\n').length;
  if (!lang || text.length > MAX_HIGHLIGHT_BYTES || lineCount > MAX_HIGHLIGHT_LINES) {
    return { lines: text.split('\n').map(escapeHtml), language: undefined };
  }
  const out = hljs.highlight(text, { language: lang, ignoreIllegals: true }).value;
  return { lines: splitLines(out), language: lang };
}
