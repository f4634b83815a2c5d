/**
 * The conformance scenarios in real Chromium: the page is bundled as an app would bundle this
 * package, served by the harness (so /config and /restart are same-origin) and run there —
 * once against one broker, and once against two brokers on a 3-node NATS JetStream cluster,
 * a scenario's clients spread over both.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Engine, type Harness, startHarness } from '@ferry/conformance/harness';
import { type ScenarioResult, scenarios } from '@ferry/conformance/scenarios';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePage, launchChromium } from './support/chromium.js';

// The empty icon spares a 404 for /favicon.ico in the console.
const INDEX_HTML = `<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>Ferry conformance</title>
<script type="module" src="conformance.js"></script>
`;

/** A page's run, inside its hook's 300 s, leaving time to close everything. */
const RUN_TIMEOUT_MS = 280_000;
/** Both runs, the cluster's start and closing everything. */
const HOOK_TIMEOUT_MS = 2 * 300_000;

let root: string | undefined;
const harnesses: Harness[] = [];
let browser: Browser | undefined;
let userAgent = '';
const results: Record<Engine, Map<string, ScenarioResult>> = {
  file: new Map(),
  jetstream: new Map(),
};

/** Loads the page from a harness of `engine` and keeps the results it reports. */
async function runPage(engine: Engine): Promise<void> {
  if (root === undefined || browser === undefined) throw new Error('not set up');
  const harness = await startHarness({ staticRoot: root, engine });
  harnesses.push(harness);
  const page = await browser.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(`[chromium ${engine}] ${message.text()}`);
  });
  page.on('pageerror', (error) =>
    console.error(`[chromium ${engine}] ${error.stack ?? error.message}`),
  );
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
  await page.close();
  if (outcome.failure !== undefined) throw new Error(`the page failed: ${outcome.failure}`);
  userAgent = outcome.userAgent;
  for (const result of outcome.results) results[engine].set(result.name, result);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ferry-browser-page-'));
  const entry = fileURLToPath(new URL('page/conformance.ts', import.meta.url));
  await writeFile(join(root, 'conformance.js'), await bundlePage(entry));
  await writeFile(join(root, 'index.html'), INDEX_HTML);
  browser = await launchChromium();
  await runPage('file');
  await runPage('jetstream');
}, HOOK_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await Promise.all(harnesses.map((harness) => harness.close()));
  if (root !== undefined) await rm(root, { recursive: true, force: true });
}, HOOK_TIMEOUT_MS);

it('ran the scenarios in Chromium', () => {
  expect(userAgent).toMatch(/HeadlessChrome|Chrome/);
});

function reportScenarios(engine: Engine): void {
  for (const scenario of scenarios) {
    it(scenario.name, () => {
      const result = results[engine].get(scenario.name);
      if (result === undefined) expect.fail('the page reported no result for this scenario');
      if (!result.ok) expect.fail(result.error ?? 'failed without a message');
    });
  }
}

reportScenarios('file');

describe('on JetStream, clients spread over two brokers', () => {
  reportScenarios('jetstream');
});
