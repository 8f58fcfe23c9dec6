// The web pages in a real browser (Debian's chromium driven by playwright-core)
// against the real server: the bug list with counts and coloured labels, a
// search typed into the box, pagination, a bug page with rendered Markdown,
// the 404 page, hostile text that must stay text (no dialog may ever open),
// and phone-sized pages that must not overflow. Screenshots go to
// test-output/screenshots/ for a person to look at.

/// <reference lib="dom" />
// (for the page.evaluate callbacks, which run in the browser)

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/gen/generate.js';
import type { ExpectedBug } from '../../src/gen/types.js';
import { labelColor } from '../../src/gitbug/label-color.js';
import type { RunningServer } from '../../src/app.js';
import { PAGE_SIZE } from '../../src/web/site.js';
import { ensureBuilt } from '../helpers/build.js';
import { haveChromium, launchChromium, requireChromiumInCi, SHOTS } from '../helpers/chromium.js';
import { loadCorpus } from '../helpers/corpus.js';
import { initBare, ops, tempDir, writeBug, writeIdentity } from '../helpers/git-bug-writer.js';
import { getJson, request, startInProcess } from '../helpers/server.js';

const SCRIPT_TITLE = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(1)>';
const CODE = 'const ok = 1 < 2 && "<b>";';
const DOCS = 'https://example.com/docs';

requireChromiumInCi('browser');

describe.skipIf(!haveChromium)('the web interface in chromium', () => {
  let tmp: { path: string; remove: () => void } | undefined;
  let server: RunningServer;
  let browser: Browser;
  let desktop: BrowserContext;
  let phone: BrowserContext;
  /** every dialog any page opened: must stay empty */
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  let gen: ExpectedBug[];
  const xss = { scriptId: '', imgId: '', markdownId: '', closedId: '' };

  const url = (p: string) => server.url + p;

  async function newContext(viewport: { width: number; height: number }, isMobile = false): Promise<BrowserContext> {
    const ctx = await browser.newContext({ viewport, isMobile, hasTouch: isMobile, deviceScaleFactor: isMobile ? 2 : 1 });
    // Loopback only: hostile comments link images on other hosts.
    await ctx.route('**/*', (route) => {
      const host = new URL(route.request().url()).hostname;
      return host === '127.0.0.1' ? route.continue() : route.abort('blockedbyclient');
    });
    ctx.on('page', (p) => watch(p));
    // Well inside the test's own timeout, so a stuck page names itself.
    ctx.setDefaultTimeout(15_000);
    return ctx;
  }

  function watch(p: Page): void {
    p.on('dialog', (d) => {
      dialogs.push(`${d.type()}: ${d.message()} on ${p.url()}`);
      void d.dismiss().catch(() => undefined);
    });
    p.on('pageerror', (e) => pageErrors.push(`${e.message} on ${p.url()}`));
  }

  /** When the browser gives up on a page: was it the server? */
  async function diagnose(p: string): Promise<string> {
    const t0 = Date.now();
    const plain = await request(server.url, p, { timeoutMs: 5000 }).then(
      (r) => `a plain GET answered ${r.status} in ${Date.now() - t0} ms`,
      (e: Error) => `a plain GET failed too: ${e.message}`,
    );
    const m = await request(server.url, '/-/metrics', { timeoutMs: 5000 }).then(
      (r) =>
        r.body
          .split('\n')
          .filter((l) => /^bugserve_cache_(workers|opens_total|worker_failures_total|hits_total) /.test(l))
          .join(', '),
      (e: Error) => `metrics failed: ${e.message}`,
    );
    return `${plain}; ${m}`;
  }

  /** Opens a path, expects the status, lets late handlers (image errors) run. */
  async function open(ctx: BrowserContext, p: string, status = 200): Promise<Page> {
    const page = await ctx.newPage();
    const res = await page.goto(url(p), { waitUntil: 'load' }).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await diagnose(p)}`);
    });
    expect(res?.status(), p).toBe(status);
    await page.waitForTimeout(100);
    return page;
  }

  /** The whole page; for tall pages also the first screen, which is what a person sees. */
  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
    const tall = await page.evaluate(() => document.documentElement.scrollHeight > window.innerHeight * 1.5);
    if (tall) await page.screenshot({ path: path.join(SHOTS, `${name}-top.png`) });
  }

  /** True when nothing sticks out sideways. */
  const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  const rowIds = (page: Page) =>
    page.$$eval('ul.list > li a.title', (as) => as.map((a) => decodeURIComponent(a.getAttribute('href')!.split('/').pop()!)));

  beforeAll(async () => {
    ensureBuilt();
    await mkdir(SHOTS, { recursive: true });
    tmp = tempDir('bs-e2e-browser-');
    const reposDir = path.join(tmp.path, 'repos');

    // Hand-written hostile bugs with known counts: 3 open, 1 closed.
    const repo = initBare(path.join(reposDir, 'xss.git'));
    const ada = writeIdentity(repo, { name: 'Ada Lovelace', login: 'ada' });
    const mallory = writeIdentity(repo, { name: 'Mallory', login: 'mallory' });
    xss.scriptId = writeBug(repo, mallory, [
      [ops.create(SCRIPT_TITLE, `The title is ${SCRIPT_TITLE}`, 1700000000), ops.labels(['bug'])],
    ]).id;
    xss.imgId = writeBug(repo, ada, [
      [ops.create('Image markup in a comment', 'See below.', 1700000100)],
      [ops.comment(`Look: ${IMG}`, 1700000200), ops.labels([IMG, 'ui'], [], 1700000300)],
    ]).id;
    xss.markdownId = writeBug(repo, ada, [
      [ops.create('Markdown renders', `Steps:\n\n1. run it\n2. see [the docs](${DOCS})`, 1700000400)],
      [ops.comment('A code block:\n\n```js\n' + CODE + '\n```\n\nand `inline code`.', 1700000500)],
      [ops.setTitle('Markdown renders safely', 'Markdown renders', 1700000600)],
    ]).id;
    xss.closedId = writeBug(repo, mallory, [[ops.create('Already fixed', '', 1700000700), ops.status(2, 1700000800)]]).id;

    // Volume and generated hostile titles, with the generator's model of them.
    gen = (await generate({ path: path.join(reposDir, 'gen.git'), bugs: 90, identities: 6, comments: 2, seed: 23 })).bugs;
    loadCorpus(path.join(reposDir, 'corpus.git'));

    server = await startInProcess(tmp.path);
    browser = await launchChromium();
    desktop = await newContext({ width: 1280, height: 900 });
    phone = await newContext({ width: 390, height: 844 }, true);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    tmp?.remove();
  });

  it('bug list: rows, Open/Closed counts and labels as coloured pills', async () => {
    const page = await open(desktop, '/xss/bugs');
    expect(await page.locator('ul.list > li').count()).toBe(3);
    const tabs = page.locator('.tabs a');
    expect(await tabs.allInnerTexts()).toEqual([expect.stringMatching(/^\s*3 Open$/), expect.stringMatching(/^\s*1 Closed$/)]);
    expect(await page.locator('.tabs a.active').innerText()).toMatch(/Open/);
    expect(await rowIds(page)).not.toContain(xss.closedId);

    const row = page.locator('ul.list > li', { has: page.locator(`a[href$="${xss.imgId}"]`) });
    const pills = await row
      .locator('.pill')
      .evaluateAll((els) =>
        els.map((e) => ({ text: e.textContent, bg: getComputedStyle(e).backgroundColor, fg: getComputedStyle(e).color })),
      );
    const rgb = (c: { r: number; g: number; b: number }) => `rgb(${c.r}, ${c.g}, ${c.b})`;
    expect(pills).toEqual(
      [IMG, 'ui'].sort().map((l) => {
        const c = labelColor(l);
        return { text: l, bg: rgb(c), fg: c.text === '#000000' ? 'rgb(0, 0, 0)' : 'rgb(255, 255, 255)' };
      }),
    );
    await shot(page, 'list-xss-desktop');

    // The real corpus (or the generated repository): counts agree with the API.
    const repo = 'corpus';
    const api = await getJson<{ open: number; closed: number; total: number }>(server.url, `/api/v1/repos/${repo}/bugs`);
    const big = await open(desktop, `/${repo}/bugs`);
    expect(await big.locator('.tabs a').allInnerTexts()).toEqual([
      expect.stringContaining(`${api.open} Open`),
      expect.stringContaining(`${api.closed} Closed`),
    ]);
    expect(await big.locator('ul.list > li').count()).toBe(Math.min(PAGE_SIZE, api.total));
    await shot(big, `list-${repo}-desktop`);
  });

  it('a search typed into the box and submitted changes the results and the URL', async () => {
    const page = await open(desktop, '/gen/bugs');
    const before = await rowIds(page);
    // A plain label on both open and closed generated bugs, on as many as one page shows.
    const byLabel = new Map<string, ExpectedBug[]>();
    for (const b of gen) for (const l of b.labels) if (/^[a-z][a-z0-9-]*$/.test(l)) byLabel.set(l, [...(byLabel.get(l) ?? []), b]);
    const [label, expected] = [...byLabel]
      .filter(([, bs]) => bs.length <= PAGE_SIZE && bs.some((b) => b.status === 'open') && bs.some((b) => b.status === 'closed'))
      .sort((a, b) => b[1].length - a[1].length)[0];
    const closed = expected.filter((b) => b.status === 'closed').length;

    const box = page.locator('input[name=q]');
    expect(await box.inputValue()).toBe('status:open');
    await box.fill(`label:${label}`);
    await Promise.all([page.waitForURL(/[?&]q=/), box.press('Enter')]);
    expect(new URL(page.url()).searchParams.get('q')).toBe(`label:${label}`);
    expect(await page.locator('input[name=q]').inputValue()).toBe(`label:${label}`);

    // Every bug with the label, open and closed, and nothing else.
    const after = await rowIds(page);
    expect([...after].sort()).toEqual(expected.map((b) => b.id).sort());
    expect(after).not.toEqual(before);
    expect(await page.locator('ul.list > li svg.icon.closed').count()).toBe(closed);
    expect(await page.locator('.card > .head').innerText()).toContain(`${expected.length} match`);
    // The tabs count both statuses of the same query.
    expect(await page.locator('.tabs a').allInnerTexts()).toEqual([
      expect.stringContaining(`${expected.length - closed} Open`),
      expect.stringContaining(`${closed} Closed`),
    ]);
    await shot(page, 'search-desktop');
  });

  it('pagination: Next goes to page 2 with other bugs', async () => {
    const open_ = gen.filter((b) => b.status === 'open').length;
    expect(open_).toBeGreaterThan(PAGE_SIZE);
    const pages = Math.ceil(open_ / PAGE_SIZE);
    const page = await open(desktop, '/gen/bugs');
    expect(await page.locator('.pager').innerText()).toContain(`Page 1 of ${pages}`);
    const first = await rowIds(page);
    await Promise.all([page.waitForURL(/[?&]page=2/), page.getByRole('link', { name: /Next/ }).click()]);
    expect(await page.locator('.pager').innerText()).toContain(`Page 2 of ${pages}`);
    const second = await rowIds(page);
    expect(second).toHaveLength(Math.min(PAGE_SIZE, open_ - PAGE_SIZE));
    expect(second.filter((id) => first.includes(id))).toEqual([]);
    const openIds = new Set(gen.filter((b) => b.status === 'open').map((b) => b.id));
    expect([...first, ...second].every((id) => openIds.has(id))).toBe(true);
    // Previous leads back.
    await Promise.all([page.waitForURL(/[?&]page=1/), page.getByRole('link', { name: /Previous/ }).click()]);
    expect(await rowIds(page)).toEqual(first);
  });

  it('a bug page: title, status, timeline and rendered Markdown', async () => {
    const page = await open(desktop, `/xss/bugs/${xss.markdownId.slice(0, 10)}`);
    expect(await page.locator('h1').innerText()).toMatch(/^Markdown renders safely/);
    expect(await page.locator('.badge').innerText()).toContain('Open');
    // create, comment (cards) and the title change (an event).
    expect(await page.locator('.timeline > .item.card').count()).toBe(2);
    expect(await page.locator('.timeline > .item.event').innerText()).toMatch(
      /changed the title from\s+Markdown renders\s+to\s+Markdown renders safely/,
    );
    const code = page.locator('.markdown pre code');
    expect((await code.innerText()).trimEnd()).toBe(CODE);
    expect(await code.getAttribute('class')).toBe('language-js');
    expect(await page.locator('.markdown p code').innerText()).toBe('inline code');
    const link = page.locator(`.markdown a[href="${DOCS}"]`);
    expect(await link.innerText()).toBe('the docs');
    expect(await link.getAttribute('rel')).toContain('nofollow');
    expect(await page.locator('.markdown ol > li').count()).toBe(2);
    await shot(page, 'bug-markdown-desktop');
  });

  it('an unknown bug is a 404 page', async () => {
    const page = await open(desktop, `/xss/bugs/${'f'.repeat(64)}`, 404);
    expect(await page.locator('h1').innerText()).toMatch(/Not found/);
    expect(await page.locator('main').innerText()).toContain('f'.repeat(64));
    expect(await page.getByRole('link', { name: 'Back to xss' }).count()).toBe(1);
    await shot(page, 'not-found-desktop');
  });

  it('hostile titles, comments and labels stay text: no script runs, no dialog opens', async () => {
    const page = await open(desktop, `/xss/bugs/${xss.scriptId}`);
    expect(await page.locator('h1').innerText()).toContain(SCRIPT_TITLE);
    expect(await page.title()).toContain(SCRIPT_TITLE);
    await shot(page, 'bug-xss-desktop');

    const img = await open(desktop, `/xss/bugs/${xss.imgId}`);
    expect(await img.locator('.timeline').innerText()).toContain(`Look: ${IMG}`);
    expect(await img.locator('aside .pill', { hasText: IMG }).count()).toBe(1);

    // The list pages with hostile rows too, generated ones included.
    const pages = [
      page,
      img,
      await open(desktop, '/xss/bugs?q='),
      await open(desktop, '/gen/bugs?q='),
      await open(desktop, '/gen/bugs?q=&page=2'),
    ];
    const hostileGen = gen.find((b) => b.title.includes('<'));
    if (hostileGen) {
      const g = await open(desktop, `/gen/bugs/${hostileGen.id}`);
      expect(await g.locator('h1').innerText()).toContain(hostileGen.title.trim().split('\n')[0]);
      pages.push(g);
    }
    for (const p of pages) {
      const found = await p.evaluate(() => ({
        scripts: Array.from(document.querySelectorAll('script'))
          .map((s) => s.outerHTML)
          .filter((h) => /alert|xss/i.test(h)),
        handlers: Array.from(document.querySelectorAll('*')).flatMap((e) =>
          Array.from(e.attributes)
            .filter((a) => /^on/i.test(a.name))
            .map((a) => `${e.tagName} ${a.name}`),
        ),
        iframes: document.querySelectorAll('iframe, object, embed').length,
        jsLinks: Array.from(document.querySelectorAll('a[href]'))
          .map((a) => a.getAttribute('href')!)
          .filter((h) => /^\s*javascript:/i.test(h)),
      }));
      expect(found, p.url()).toEqual({ scripts: [], handlers: [], iframes: 0, jsLinks: [] });
    }
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('phone-sized list and bug pages fit the screen', async () => {
    const repo = 'corpus';
    const list = await open(phone, `/${repo}/bugs`);
    expect(await fitsWidth(list), 'the list page scrolls sideways').toBe(true);
    await shot(list, `list-${repo}-phone`);

    const xssList = await open(phone, '/xss/bugs?q=');
    expect(await fitsWidth(xssList), 'the xss list page scrolls sideways').toBe(true);
    await shot(xssList, 'list-xss-phone');

    const bug = await open(phone, `/xss/bugs/${xss.markdownId}`);
    expect(await fitsWidth(bug), 'the bug page scrolls sideways').toBe(true);
    // The sidebar moves under the timeline on a narrow screen.
    const [tl, aside] = await Promise.all([bug.locator('.timeline').boundingBox(), bug.locator('aside').boundingBox()]);
    expect(aside!.y).toBeGreaterThan(tl!.y + tl!.height - 1);
    await shot(bug, 'bug-markdown-phone');

    // A long generated bug (the most comments) on the phone.
    const busiest = [...gen].sort((a, b) => b.comments.length - a.comments.length)[0];
    const big = await open(phone, `/gen/bugs/${busiest.id}`);
    expect(await fitsWidth(big), 'a generated bug page scrolls sideways').toBe(true);
    await shot(big, 'bug-gen-phone');
    expect(dialogs).toEqual([]);
  });

  /** WCAG 2 contrast ratio of two CSS colours as getComputedStyle gives them ("rgb(r, g, b)"). */
  function ratio(fg: string, bg: string): number {
    const lum = (css: string) => {
      const [r, g, b] = css
        .match(/[\d.]+/g)!
        .slice(0, 3)
        .map(Number);
      const lin = (c: number) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
  }

  it('label chips: the rendered text and background meet WCAG AA (4.5:1) for every colour shown', async () => {
    const seen = new Map<string, number>();
    for (const p of [
      '/corpus/bugs?q=',
      '/corpus/bugs?q=&page=2',
      '/corpus/bugs?q=&page=3',
      '/gen/bugs?q=',
      '/gen/bugs?q=&page=2',
      '/xss/bugs?q=',
    ]) {
      const page = await open(desktop, p);
      const pills = await page
        .locator('.pill')
        .evaluateAll((els) => els.map((e) => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]));
      for (const [fg, bg] of pills) seen.set(`${fg} on ${bg}`, ratio(fg, bg));
      await page.close();
    }
    // The pages show most of git-bug's 19 colours; each one passes.
    expect(seen.size).toBeGreaterThanOrEqual(10);
    const failing = [...seen].filter(([, r]) => r < 4.5).map(([k, r]) => `${k}: ${r.toFixed(2)}`);
    expect(failing).toEqual([]);
  });

  it('a label and an author in a row are links that filter the list', async () => {
    const page = await open(desktop, '/gen/bugs');
    const link = page.locator('ul.list > li a.label').first();
    const label = (await link.locator('.pill').innerText()).trim();
    await Promise.all([page.waitForURL(/[?&]q=/), link.click()]);
    const q = new URL(page.url()).searchParams.get('q')!;
    expect(q).toContain('status:open');
    expect(q).toMatch(/label:/);
    expect(await page.locator('input[name=q]').inputValue()).toBe(q);
    const want = gen
      .filter((b) => b.status === 'open' && b.labels.includes(label))
      .map((b) => b.id)
      .sort();
    expect(want.length).toBeGreaterThan(0);
    const got: string[] = [];
    for (let n = 1; ; n++) {
      got.push(...(await rowIds(page)));
      const next = page.getByRole('link', { name: /Next/ });
      if ((await next.count()) === 0 || n > 10) break;
      await Promise.all([page.waitForURL(new RegExp(`page=${n + 1}`)), next.click()]);
    }
    expect(got.sort()).toEqual(want);

    const list = await open(desktop, '/xss/bugs?q=');
    const author = list.locator('ul.list > li a.author', { hasText: 'Ada Lovelace' }).first();
    await Promise.all([list.waitForURL(/author/), author.click()]);
    expect(await list.locator('input[name=q]').inputValue()).toBe('author:"Ada Lovelace"');
    expect((await rowIds(list)).sort()).toEqual([xss.imgId, xss.markdownId].sort());
    await shot(list, 'list-author-desktop');
  });

  it('the sort menu next to the search box reorders the list', async () => {
    const page = await open(desktop, '/gen/bugs');
    const form = await page.locator('form.toolbar').boundingBox();
    const menu = page.locator('details.sort');
    const box = await menu.boundingBox();
    // Beside the search box, in the same toolbar row.
    expect(box!.y).toBeGreaterThanOrEqual(form!.y - 1);
    expect(box!.y + box!.height).toBeLessThanOrEqual(form!.y + form!.height + 1);
    expect(await menu.locator('summary').innerText()).toMatch(/Sort: Newest/);
    await menu.locator('summary').click();
    await shot(page, 'sort-menu-open-desktop');
    await Promise.all([
      page.waitForURL(/sort/),
      page.getByRole('navigation', { name: 'Sort by' }).getByRole('link', { name: 'Oldest' }).click(),
    ]);
    expect(new URL(page.url()).searchParams.get('q')).toBe('status:open sort:creation-asc');
    expect(await page.locator('details.sort summary').innerText()).toMatch(/Sort: Oldest/);
    expect(await page.locator('details.sort a[aria-current=true]').textContent()).toBe('Oldest');
    const times = await page.$$eval('ul.list > li .meta time:first-of-type', (ts) => ts.map((t) => t.getAttribute('datetime')!));
    expect(times.length).toBe(PAGE_SIZE);
    expect([...times].sort()).toEqual(times);
    const firstId = (await rowIds(page))[0];
    const oldest = Math.min(...gen.filter((b) => b.status === 'open').map((b) => Number(b.createdAt)));
    expect(Number(gen.find((b) => b.id === firstId)!.createdAt)).toBe(oldest);
  });

  it('closed rows say when they were closed; a search shows why a row matched', async () => {
    const page = await open(desktop, '/xss/bugs?q=status%3Aclosed');
    expect(await page.locator('ul.list > li .meta').innerText()).toMatch(/opened .* by Mallory · closed /);
    const closedTime = await page.locator('ul.list > li .meta time').nth(1).getAttribute('datetime');
    expect(Date.parse(closedTime!)).toBe(1700000800 * 1000);

    const search = await open(desktop, '/xss/bugs?q=below');
    expect(await rowIds(search)).toEqual([xss.imgId]);
    expect(await search.locator('ul.list > li .snippet').innerText()).toContain('See below.');
    await shot(search, 'list-snippet-desktop');
  });

  it('a page past the last one says so, has no Next, and leads back', async () => {
    const pages = Math.ceil(gen.filter((b) => b.status === 'open').length / PAGE_SIZE);
    const page = await open(desktop, `/gen/bugs?page=${pages + 5}`);
    expect(await page.locator('.empty').innerText()).toMatch(new RegExp(`Page ${pages + 5} is past the end: .* on ${pages} pages`));
    expect(await page.getByRole('link', { name: /Next/ }).count()).toBe(0);
    await shot(page, 'past-the-end-desktop');
    await Promise.all([page.waitForURL(new RegExp(`page=${pages}$`)), page.getByRole('link', { name: /Last page/ }).click()]);
    expect(await page.locator('.pager').innerText()).toContain(`Page ${pages} of ${pages}`);
  });

  it('a bad query keeps the search box, filled in, with the reason; fixing it shows results', async () => {
    const page = await open(desktop, '/gen/bugs?q=lable%3Abug', 400);
    const box = page.locator('input[name=q]');
    expect(await box.inputValue()).toBe('lable:bug');
    expect(await box.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('alert').innerText()).toMatch(/cannot be read[\s\S]*lable/);
    await shot(page, 'bad-query-desktop');
    await box.fill('status:closed');
    await Promise.all([page.waitForURL(/q=status/), box.press('Enter')]);
    expect(await rowIds(page)).toHaveLength(Math.min(PAGE_SIZE, gen.filter((b) => b.status === 'closed').length));
  });

  it('one <h1> on the index, the repository page, the bug list and the bad-query page; counts shown', async () => {
    const cases: [string, number, RegExp][] = [
      ['/', 200, /^Repositories$/],
      ['/corpus', 200, /^corpus$/],
      ['/corpus/bugs', 200, /^Bugs$/],
      ['/corpus/bugs?q=%22', 400, /^Bugs$/],
    ];
    for (const [p, status, text] of cases) {
      const page = await open(desktop, p, status);
      expect(await page.locator('h1').count(), p).toBe(1);
      expect((await page.locator('h1').innerText()).trim(), p).toMatch(text);
      if (p === '/') {
        expect(await page.locator('ul.list > li', { hasText: 'gen' }).locator('.side').innerText()).toMatch(/^90 bugs · updated/);
        await shot(page, 'index-desktop');
      }
      if (p === '/corpus') {
        expect(await page.locator('main').innerText()).toMatch(/\d+ bugs · Last updated/);
        await shot(page, 'repo-corpus-desktop');
      }
      await page.close();
    }
  });

  it('new pieces on a phone: sort menu, links and notices fit the screen', async () => {
    for (const [p, status, name] of [
      ['/gen/bugs', 200, 'list-gen-phone'],
      ['/gen/bugs?q=lable%3Abug', 400, 'bad-query-phone'],
      ['/gen/bugs?page=99', 200, 'past-the-end-phone'],
      ['/xss/bugs?q=below', 200, 'list-snippet-phone'],
      ['/', 200, 'index-phone'],
      ['/corpus', 200, 'repo-corpus-phone'],
    ] as const) {
      const page = await open(phone, p, status);
      if (name === 'list-gen-phone') {
        await page.locator('details.sort summary').click();
        // The open menu lies inside the screen (not cut off at either edge).
        const menu = (await page.locator('details.sort .menu-items').boundingBox())!;
        expect(menu.x).toBeGreaterThanOrEqual(0);
        expect(menu.x + menu.width).toBeLessThanOrEqual(390);
      }
      expect(await fitsWidth(page), `${p} scrolls sideways`).toBe(true);
      await shot(page, name);
      await page.close();
    }
  });
});
