// Debian's Chromium, driven by playwright-core, for the browser suites. In CI
// a missing browser is a broken setup, not a reason to skip.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { describe, it } from 'vitest';
import { PROJECT_ROOT } from './corpus.js';

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
export const SHOTS = path.join(PROJECT_ROOT, 'test-output', 'screenshots');

if (!haveChromium && !process.env.CI) {
  console.warn(`[bugserve tests] ${CHROMIUM} is absent: the browser suites are skipped (apt-get install chromium).`);
}

/** A failing suite in CI when Chromium is missing. */
export function requireChromiumInCi(suite: string): void {
  describe.runIf(!haveChromium && !!process.env.CI)(`${suite} (CI)`, () => {
    it('needs chromium', () => {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the browser tests`);
    });
  });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
