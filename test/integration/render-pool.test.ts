// The render pool through real worker threads: Markdown and highlighting come
// back as HTML, hostile text stays escaped, and a full queue is refused.

import { afterAll, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../src/errors.js';
import { RenderPool } from '../../src/render/pool.js';

describe('the render pool', () => {
  const pool = new RenderPool({ threads: 1, queue: 2 });
  afterAll(() => pool.close());

  it('renders Markdown in a worker, with raw HTML escaped', async () => {
    const [a, b] = await pool.run({ kind: 'markdown', texts: ['**bold** <script>alert(1)</script>', '[x](javascript:alert(1))'] });
    expect(a).toContain('<strong>bold</strong>');
    expect(a).toContain('&lt;script&gt;');
    expect(b).not.toMatch(/href="\s*javascript/i);
    expect(b).toContain('[x](javascript:alert(1))');
  });

  it('highlights a file line by line, every line standing alone', async () => {
    const text = 'const a = "x";\n/* one\ntwo */\nlet b = a < 2;';
    const out = await pool.run({ kind: 'highlight', text, filename: 'src/x.ts' });
    expect(out.language).toBe('ts');
    expect(out.lines).toHaveLength(4);
    expect(out.lines[1]).toMatch(/^<span class="hljs-comment">\/\* one<\/span>$/);
    expect(out.lines[2]).toMatch(/^<span class="hljs-comment">two \*\/<\/span>$/);
    expect(out.lines[3]).toContain('&lt;');
  });

  it('shows an unknown language as escaped plain text', async () => {
    const out = await pool.run({ kind: 'highlight', text: '<b>hi</b>\n', filename: 'notes.unknownext' });
    expect(out.language).toBeUndefined();
    expect(out.lines).toEqual(['&lt;b&gt;hi&lt;/b&gt;', '']);
  });

  it('refuses renders beyond its queue with a clear 503 error, and keeps answering', async () => {
    const big = 'x'.repeat(150_000) + ' !['.repeat(20_000);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => pool.run({ kind: 'markdown', texts: [big] })));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r.reason).toBeInstanceOf(UnavailableError);
    const [ok] = await pool.run({ kind: 'markdown', texts: ['fine'] });
    expect(ok).toContain('fine');
  });
});
