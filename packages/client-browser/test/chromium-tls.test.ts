/**
 * Chromium over wss:// to a broker serving TLS itself [SEC-7]. A browser has no CA option: the
 * test trusts the broker's key with `--ignore-certificate-errors-spki-list`, as a browser would
 * trust a certificate of a public CA.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTestCertificates } from '@ferry/broker/testing';
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type * as TlsPage from './page/tls.js';
import { bundlePage, launchChromium } from './support/chromium.js';

declare global {
  var tlsPage: typeof TlsPage;
}

let dir: string;
let broker: RunningBroker | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-browser-tls-'));
  const certs = await makeTestCertificates(dir);
  broker = await startBroker({ args: ['--tls-cert', certs.certFile, '--tls-key', certs.keyFile] });
  const script = await bundlePage(fileURLToPath(new URL('page/tls.ts', import.meta.url)), {
    format: 'iife',
    globalName: 'tlsPage',
  });
  browser = await launchChromium([`--ignore-certificate-errors-spki-list=${certs.spkiSha256}`]);
  page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`[chromium] ${error.stack ?? error.message}`));
  // An https: page of the broker itself: same host, so its WebSocket origin is allowed.
  await page.goto(`https://127.0.0.1:${broker.httpPort}/livez`);
  await page.addScriptTag({ content: script });
});

afterAll(async () => {
  await browser?.close();
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('[SEC-7] connects over wss:// to a broker serving TLS, produces and consumes', async () => {
  const url = `wss://127.0.0.1:${broker?.httpPort}/ws`;
  expect(await page.evaluate((u) => tlsPage.produceAndConsume(u), url)).toEqual({ over: 'wss' });
});

it('[SEC-7] without the key in the list, Chromium does not trust the broker', async () => {
  const untrusting = await launchChromium();
  try {
    const other = await untrusting.newPage();
    await expect(other.goto(`https://127.0.0.1:${broker?.httpPort}/livez`)).rejects.toThrow(
      /ERR_CERT/,
    );
  } finally {
    await untrusting.close();
  }
});
