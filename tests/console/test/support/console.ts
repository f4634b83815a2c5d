/**
 * What the console tests share: Debian's Chromium, the console opened from a real broker's HTTP
 * port, screenshots written as artifacts, and waiting for what a poll will show.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningBroker } from '@ferry/conformance/broker';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';

/** Where screenshots go: `artifacts/console/` at the repository's root (ignored by git). */
export const ARTIFACTS = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../artifacts/console',
);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.FERRY_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'],
  });
}

export interface ConsolePage {
  page: Page;
  /** Uncaught exceptions and console errors the page reported: a test expects none. */
  errors: string[];
}

/** A fresh browser context (no stored login) on the console at `hash`. */
export async function openConsole(
  browser: Browser,
  broker: RunningBroker,
  options: { hash?: string; colorScheme?: 'light' | 'dark' } = {},
): Promise<ConsolePage> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  await page.goto(`http://127.0.0.1:${broker.httpPort}/console/${options.hash ?? ''}`);
  return { page, errors };
}

/** A full-page screenshot, `artifacts/console/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Let the last poll's answer paint.
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The text of a table cell, by the table's testid, the row's key and the column's key. */
export function cell(page: Page, table: string, row: string, col: string): Locator {
  return page.locator(`[data-testid="${table}"] tr[data-row="${row}"] td[data-col="${col}"]`);
}

/** The number of an overview card, without its label or its hint. */
export function stat(page: Page, name: string): Locator {
  return page.locator(`[data-testid="stat-${name}"] .value`);
}

/**
 * Waits (through the page's polls) until the locator's trimmed text matches; fails with the
 * last text seen.
 */
export async function waitForText(
  locator: Locator,
  text: string | RegExp,
  timeoutMs = 20_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let seen: string | null = null;
  for (;;) {
    seen =
      (
        await locator
          .first()
          .textContent({ timeout: 1000 })
          .catch(() => null)
      )?.trim() ?? null;
    if (seen !== null && (typeof text === 'string' ? seen === text : text.test(seen))) return seen;
    if (Date.now() > deadline)
      throw new Error(`expected ${String(text)}, last saw ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
