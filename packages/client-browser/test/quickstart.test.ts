/**
 * The README's browser quick start (examples/quickstart.ts), bundled as an app would bundle it
 * and run in Chromium against a broker with no auth, as `pnpm start` runs it.
 */
import { fileURLToPath } from 'node:url';
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundlePage, launchChromium } from './support/chromium.js';

const EXAMPLE = fileURLToPath(new URL('../examples/quickstart.ts', import.meta.url));
let broker: RunningBroker;
let browser: Browser | undefined;

beforeAll(async () => {
  broker = await startBroker();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await broker?.stop();
});

it('the quick start produces and consumes in the page', async () => {
  // The example names the default port; this broker listens on a free one.
  const script = (await bundlePage(EXAMPLE)).replace(
    'ws://127.0.0.1:9000/ws',
    `ws://127.0.0.1:${broker.httpPort}/ws`,
  );
  const page = await (browser as Browser).newPage();
  // A page served from this machine, as a developer's app would be: without an allowlist the
  // broker accepts WebSocket origins on loopback only (SEC-2), and about:blank has none.
  await page.goto(`http://127.0.0.1:${broker.httpPort}/livez`);
  await page.setContent('<!doctype html><body></body>');
  await page.addScriptTag({ content: script, type: 'module' });
  await page.waitForFunction(() => document.body.textContent?.includes('received'), undefined, {
    timeout: 30_000,
  });
  expect(await page.evaluate(() => document.body.textContent)).toBe(
    'stored in partition 0 at offset 0. received {"id":42,"total":9.5}, delivery 1',
  );
});
