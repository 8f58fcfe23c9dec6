// The code pages in a real browser (Debian's chromium via playwright-core):
// a folder, a highlighted file with a line picked by its anchor, Markdown, an
// image, a commit's diff, the ref selector opened without script, and the
// same pages at phone width. Hostile file names must stay text (no dialog
// may open). Screenshots go to test-output/screenshots/code-*.png.

/// <reference lib="dom" />

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app.js';
import { ensureBuilt } from '../helpers/build.js';
import { haveChromium, launchChromium, requireChromiumInCi, SHOTS } from '../helpers/chromium.js';
import { makeCodeRepo, type CodeRepo } from '../helpers/code-repo.js';
import { tempDir } from '../helpers/git-bug-writer.js';
import { startInProcess } from '../helpers/server.js';

requireChromiumInCi('code browser');

describe.skipIf(!haveChromium)('the code pages in chromium', () => {
  let tmp: { path: string; remove: () => void } | undefined;
  let server: RunningServer;
  let browser: Browser;
  let desktop: BrowserContext;
  let phone: BrowserContext;
  let repo: CodeRepo;
  const dialogs: string[] = [];
  const pageErrors: string[] = [];

  async function newContext(viewport: { width: number; height: number }, isMobile = false): Promise<BrowserContext> {
    const ctx = await browser.newContext({ viewport, isMobile, hasTouch: isMobile, deviceScaleFactor: isMobile ? 2 : 1 });
    await ctx.route('**/*', (route) =>
      new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort('blockedbyclient'),
    );
    ctx.on('page', (p) => {
      p.on('dialog', (d) => {
        dialogs.push(`${d.type()}: ${d.message()} on ${p.url()}`);
        void d.dismiss().catch(() => undefined);
      });
      p.on('pageerror', (e) => pageErrors.push(`${e.message} on ${p.url()}`));
    });
    ctx.setDefaultTimeout(15_000);
    return ctx;
  }

  async function open(ctx: BrowserContext, p: string, status = 200): Promise<Page> {
    const page = await ctx.newPage();
    const res = await page.goto(server.url + p, { waitUntil: 'load' });
    expect(res?.status(), p).toBe(status);
    return page;
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(SHOTS, `code-${name}.png`), fullPage: true });
    const tall = await page.evaluate(() => document.documentElement.scrollHeight > window.innerHeight * 1.5);
    if (tall) await page.screenshot({ path: path.join(SHOTS, `code-${name}-top.png`) });
  }

  const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  beforeAll(async () => {
    ensureBuilt();
    await mkdir(SHOTS, { recursive: true });
    tmp = tempDir('bs-e2e-code-');
    repo = makeCodeRepo(path.join(tmp.path, 'repos'));
    server = await startInProcess(tmp.path);
    browser = await launchChromium();
    desktop = await newContext({ width: 1280, height: 900 });
    phone = await newContext({ width: 390, height: 844 }, true);
  }, 120_000);

  afterAll(async () => {
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    await browser?.close();
    await server?.close();
    tmp?.remove();
  });

  it('a folder: folders first, hostile names as text, README below; clicking opens a file', async () => {
    const page = await open(desktop, '/code/tree/main');
    const names = await page.locator('table.files td.name').allInnerTexts();
    expect(names.slice(0, 3)).toEqual(['docs', 'src', 'vendor']);
    expect(names).toContain('<img src=x onerror=alert(1)>.txt');
    expect(names).toContain('new\\nline.txt');
    expect(await page.locator('.readme h1').innerText()).toBe('Code fixture');
    await shot(page, 'tree-desktop');
    await page.click('table.files a.title:text-is("src")');
    await page.click('table.files a.title:text-is("main.ts")');
    expect(new URL(page.url()).pathname).toBe('/code/blob/main/src/main.ts');
  });

  it('a file: highlighted in colour, a line picked by its anchor is marked', async () => {
    const page = await open(desktop, '/code/blob/main/src/main.ts#L3');
    const keyword = page.locator('.hljs-keyword').first();
    expect(await keyword.innerText()).toBe('export');
    const colour = await keyword.evaluate((e) => getComputedStyle(e).color);
    const plain = await page
      .locator('td.src')
      .first()
      .evaluate((e) => getComputedStyle(e).color);
    expect(colour).not.toBe(plain);
    const bg = (id: string) => page.locator(`tr#${id}`).evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(await bg('L3')).not.toBe(await bg('L2'));
    // Clicking a line number moves the mark, with no script on the page.
    await page.click('tr#L6 td.ln a');
    expect(new URL(page.url()).hash).toBe('#L6');
    expect(await bg('L6')).not.toBe(await bg('L2'));
    await shot(page, 'file-desktop');
  });

  it('Markdown rendered with a source switch; an image shown; the ref selector opens without script', async () => {
    const md = await open(desktop, '/code/blob/main/README.md');
    expect(await md.locator('.markdown strong').innerText()).toBe('src/main.ts');
    await md.click('a:text-is("Source")');
    expect(await md.locator('tr#L1 td.src').innerText()).toBe('# Code fixture');
    const img = await open(desktop, '/code/blob/main/pixel.png');
    expect(await img.locator('.image img').evaluate((e) => (e as HTMLImageElement).naturalWidth)).toBe(1);
    const tree = await open(desktop, '/code/tree/main/src');
    await tree.click('details.refsel summary');
    await tree.click('details.refsel a:text-is("feature/x")');
    expect(new URL(tree.url()).pathname).toBe('/code/tree/feature/x/src');
    await tree.click('details.refsel summary');
    await shot(tree, 'ref-selector');
  });

  it('a commit: message, bug link and a coloured diff', async () => {
    const page = await open(desktop, `/code/commit/${repo.commits[10]}`);
    expect(await page.locator('h1.commit-subject').innerText()).toBe('Count to 10');
    const add = page.locator('table.diff tr.add').first();
    const del = page.locator('table.diff tr.del').first();
    expect(await add.innerText()).toBe('+count 10');
    const bg = (l: typeof add) => l.evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(await bg(add)).not.toBe(await bg(del));
    await shot(page, 'commit-desktop');
    const first = await open(desktop, `/code/commit/${repo.commits[0]}`);
    expect(await first.locator('pre.message a').first().getAttribute('href')).toMatch(/^\/code\/bugs\/[0-9a-f]{64}$/);
    await shot(first, 'commit-first');
    const history = await open(desktop, '/code/commits/main');
    await shot(history, 'history-desktop');
  });

  it('phone width: tree, file, commit and history fit the screen', async () => {
    for (const [p, name] of [
      ['/code/tree/main', 'tree-phone'],
      ['/code/blob/main/src/main.ts', 'file-phone'],
      [`/code/commit/${repo.commits[0]}`, 'commit-phone'],
      ['/code/commits/main', 'history-phone'],
    ] as const) {
      const page = await open(phone, p);
      expect(await fitsWidth(page), p).toBe(true);
      await shot(page, name);
    }
  });
});
