/**
 * webSocketTransport in real Chromium against a real broker, with hand-made frames and no
 * client core: the handshake, clean and failed closes, the frame and unread caps.
 */
import { fileURLToPath } from 'node:url';
import { type Harness, startHarness } from '@ferry/conformance/harness';
import { pastKernelBuffers } from '@ferry/conformance/kernel-buffers';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type * as TransportPage from './page/transport.js';
import { bundlePage, launchChromium } from './support/chromium.js';
import { type StalledPeer, stalledPeer } from './support/stalled-peer.js';

declare global {
  var transportPage: typeof TransportPage;
}

let harness: Harness | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  const script = await bundlePage(fileURLToPath(new URL('page/transport.ts', import.meta.url)), {
    format: 'iife',
    globalName: 'transportPage',
  });
  harness = await startHarness();
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(`[chromium] ${message.text()}`);
  });
  page.on('pageerror', (error) => console.error(`[chromium] ${error.stack ?? error.message}`));
  // Spares a 404 for the icon in the console: the harness serves no files here.
  await page.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
  // Any page on loopback gives the script a real http: origin.
  await page.goto(`${harness.controlUrl}/config`);
  await page.addScriptTag({ content: script });
});

afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

let peer: StalledPeer | undefined;

afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

function config(): [string, string] {
  if (harness === undefined) throw new Error('the harness did not start');
  return [harness.wsUrl, harness.token];
}

it('runs in Chromium', async () => {
  const { userAgent } = await page.evaluate(
    ([url, token]) => transportPage.handshake(url, token),
    config(),
  );
  expect(userAgent).toMatch(/HeadlessChrome|Chrome/);
});

it('gets welcome for hello, one binary message each, and closes cleanly', async () => {
  const outcome = await page.evaluate(
    ([url, token]) => transportPage.handshake(url, token),
    config(),
  );
  expect(outcome).toMatchObject({ received: ['welcome'], closed: null });
});

it('delivers the frames that arrived before the server closed', async () => {
  const outcome = await page.evaluate(([url]) => transportPage.serverCloses(url), config());
  expect(outcome).toMatchObject({ received: ['error'], closed: null });
});

it('closes with FRAME_TOO_LARGE on a frame over maxFrameBytes', async () => {
  const outcome = await page.evaluate(
    ([url, token]) => transportPage.frameTooLarge(url, token),
    config(),
  );
  expect(outcome.received).toEqual([]);
  expect(outcome.closed).toMatchObject({ code: 'FRAME_TOO_LARGE', message: /maxFrameBytes/ });
});

it('closes with CONNECTION_CLOSED when the reader falls behind', async () => {
  const outcome = await page.evaluate(
    ([url, token]) => transportPage.readerFallsBehind(url, token, 5000),
    config(),
  );
  expect(outcome.received).toEqual(['welcome']);
  expect(outcome.closed).toMatchObject({ code: 'CONNECTION_CLOSED', message: /fell behind/ });
});

it('rejects with CONNECTION_FAILED when the server refuses the upgrade', async () => {
  const [url] = config();
  const error = await page.evaluate(
    (u) => transportPage.failedConnect(u, false),
    url.replace(/\/ws$/, '/nowhere'),
  );
  expect(error.code).toBe('CONNECTION_FAILED');
});

it('rejects with CONNECTION_FAILED for a scheme other than ws: or wss:', async () => {
  const error = await page.evaluate(() =>
    transportPage.failedConnect('ferry://127.0.0.1:1', false),
  );
  expect(error).toMatchObject({ code: 'CONNECTION_FAILED', message: /ws: or wss:/ });
});

it('rejects with ABORTED when the signal fires during connect', async () => {
  const [url] = config();
  const error = await page.evaluate((u) => transportPage.failedConnect(u, true), url);
  expect(error.code).toBe('ABORTED');
});

describe('write backpressure [CLIENT-6]', () => {
  it('answers false past the mark, and drains once the peer reads', async () => {
    peer = await stalledPeer();
    const answers = await page.evaluate(([url, bytes]) => transportPage.fill(url, bytes), [
      peer.url,
      pastKernelBuffers(),
    ] as const);
    expect(answers).toEqual([true, false]);
    // The peer has not read, so more than the kernel holds is still waiting.
    expect(await page.evaluate(() => transportPage.drainedYet())).toBe(false);
    peer.read();
    expect(await page.evaluate(() => transportPage.awaitDrained())).toBe(true);
    expect(peer.received()).toBeGreaterThan(0);
  });

  it('resolves drained() when the transport is closed', async () => {
    peer = await stalledPeer();
    const answers = await page.evaluate(([url, bytes]) => transportPage.fill(url, bytes), [
      peer.url,
      pastKernelBuffers(),
    ] as const);
    expect(answers[1]).toBe(false);
    await page.evaluate(() => transportPage.closeAndAwaitDrained());
  });

  it('resolves drained() when the peer hangs up', async () => {
    peer = await stalledPeer();
    const answers = await page.evaluate(([url, bytes]) => transportPage.fill(url, bytes), [
      peer.url,
      pastKernelBuffers(),
    ] as const);
    expect(answers[1]).toBe(false);
    peer.hangUp();
    expect(await page.evaluate(() => transportPage.awaitClosedAndDrained())).toBe(true);
  });
});
