// Markdown on pages: rendered in the render pool (never on the main thread),
// bounded per page, and kept until the text changes.
//
// A page's texts are rendered in order until PAGE_MARKDOWN_CHARS is spent;
// the rest is shown as escaped plain text with a note, so no page costs more
// than one bounded render however much a pusher writes. Results are kept by
// page (a bug by repository and full id, a README by repository and blob id)
// and, within a page, by text: a new comment renders only itself. The output
// depends only on the text and the repository (its links), so nothing kept
// here can go stale.

import { ByteLru } from '../cache/byte-lru.js';
import { UnavailableError } from '../errors.js';
import type { RenderPool } from '../render/pool.js';
import { escapeHtml, repoPath, SafeHtml } from './html.js';

/** Markdown characters rendered per page (~1 s of the worst Markdown known, in a worker). */
export const PAGE_MARKDOWN_CHARS = 256_000;
export const DEFAULT_RENDERED_BYTES = 128 * 1024 * 1024;
/** How long a request waits for its page's render; the render goes on and is kept for the next view. */
const CLIENT_WAIT_MS = 8_000;

const OVER_BUDGET = new SafeHtml(
  '<p class="muted small">Shown as plain text: this page has more Markdown than bugserve renders at once.</p>',
);

export type RenderedTexts = ReadonlyMap<string, SafeHtml>;

export class RenderedMarkdown {
  private readonly kept: ByteLru<Map<string, SafeHtml>>;
  private readonly pending = new Map<string, Promise<unknown>>();

  constructor(
    private readonly pool: Pick<RenderPool, 'run'>,
    maxBytes = DEFAULT_RENDERED_BYTES,
  ) {
    this.kept = new ByteLru(maxBytes);
  }

  /**
   * HTML for each of a page's Markdown texts (by text). `page` names the page
   * (its repository first); `repo` is where bug ids and commit hashes link.
   */
  async texts(page: string, repo: string, texts: readonly string[]): Promise<RenderedTexts> {
    // One render per page at a time: the same heavy page asked for by many
    // clients at once costs one render, not a full queue.
    for (let p = this.pending.get(page); p; p = this.pending.get(page)) await waitFor(p.catch(() => undefined));
    const before = this.kept.get(page);
    const out = new Map<string, SafeHtml>();
    const todo: string[] = [];
    let budget = PAGE_MARKDOWN_CHARS;
    for (const text of texts) {
      if (out.has(text) || todo.includes(text)) continue;
      const hit = before?.get(text);
      if (hit) out.set(text, hit);
      else if (budget >= text.length) todo.push(text);
      else out.set(text, new SafeHtml(`<pre class="plain">${escapeHtml(text)}</pre>${OVER_BUDGET.value}`));
      budget -= Math.min(budget, text.length);
    }
    if (todo.length === 0) {
      if (before?.size !== out.size) this.keep(page, out);
      return out;
    }
    const base = repoPath(repo);
    const work = this.pool
      .run({ kind: 'markdown', texts: todo, links: { bugs: `${base}/bugs/`, commits: `${base}/commit/` } })
      .then((rendered) => {
        todo.forEach((text, i) => out.set(text, new SafeHtml(rendered[i])));
        this.keep(page, out);
      })
      .finally(() => this.pending.delete(page));
    this.pending.set(page, work);
    await waitFor(work);
    return out;
  }

  private keep(page: string, out: Map<string, SafeHtml>): void {
    let bytes = 0;
    for (const [text, h] of out) bytes += 2 * (text.length + h.value.length) + 64;
    this.kept.set(page, out, bytes);
  }

  get bytes(): number {
    return this.kept.bytes;
  }
}

/** `work`, or a 503 once the client has waited long enough (the work goes on). */
async function waitFor(work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnavailableError('this page is still being rendered; try again in a few seconds')), CLIENT_WAIT_MS);
  });
  try {
    await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
