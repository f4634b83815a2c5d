/**
 * The conformance scenarios in real Chromium: the page is bundled as an app would bundle this
 * package, served by the harness (so /config and /restart are same-origin) and run there.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Harness, startHarness } from '@ferry/conformance/harness';
import { type ScenarioResult, scenarios } from '@ferry/conformance/scenarios';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundlePage, launchChromium } from './support/chromium.js';

// The empty icon spares a 404 for /favicon.ico in the console.
const INDEX_HTML = `<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>Ferry conformance</title>
<script type="module" src="conformance.js"></script>
`;

/** Inside the hook's 300 s, leaving time to close everything. */
const RUN_TIMEOUT_MS = 280_000;

let root: string | undefined;
let harness: Harness | undefined;
let browser: Browser | undefined;
let userAgent = '';
const results = new Map<string, ScenarioResult>();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ferry-browser-page-'));
  const entry = fileURLToPath(new URL('page/conformance.ts', import.meta.url));
  await writeFile(join(root, 'conformance.js'), await bundlePage(entry));
  await writeFile(join(root, 'index.html'), INDEX_HTML);
  harness = await startHarness({ staticRoot: root });
  browser = await launchChromium();
  const page = await browser.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(`[chromium] ${message.text()}`);
  });
  page.on('pageerror', (error) => console.error(`[chromium] ${error.stack ?? error.message}`));
  await page.goto(`${harness.controlUrl}/index.html`);
  await page.waitForFunction(
    () => window.ferryResults !== undefined || window.ferryFailure !== undefined,
    undefined,
    { timeout: RUN_TIMEOUT_MS },
  );
  const outcome = await page.evaluate(() => ({
    results: window.ferryResults ?? [],
    failure: window.ferryFailure,
    userAgent: navigator.userAgent,
  }));
  if (outcome.failure !== undefined) throw new Error(`the page failed: ${outcome.failure}`);
  userAgent = outcome.userAgent;
  for (const result of outcome.results) results.set(result.name, result);
});

afterAll(async () => {
  await browser?.close();
  await harness?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

it('ran the scenarios in Chromium', () => {
  expect(userAgent).toMatch(/HeadlessChrome|Chrome/);
});

for (const scenario of scenarios) {
  it(scenario.name, () => {
    const result = results.get(scenario.name);
    if (result === undefined) expect.fail('the page reported no result for this scenario');
    if (!result.ok) expect.fail(result.error ?? 'failed without a message');
  });
}
