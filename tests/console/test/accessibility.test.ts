/**
 * Every page of the console passes axe-core's WCAG 2.1 A and AA rules in light and in dark
 * mode, with real data on it: readable contrast, named controls, labelled fields.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import type { Client } from '@ferry/node';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from './support/axe.js';
import { launchChromium } from './support/console.js';
import { writeAuthConfig } from './support/principals.js';
import { consumeSome, nodeClient, produceJson } from './support/seed.js';

let broker: RunningBroker;
let secured: RunningBroker;
let dir: string;
let browser: Browser;
let client: Client;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-console-a11y-'));
  broker = await startBroker();
  secured = await startBroker({ args: ['--config', writeAuthConfig(dir)] });
  browser = await launchChromium();
  client = await nodeClient(broker.tcpPort);
  await client.stations.create('orders', { partitions: 2 });
  await produceJson(client, 'orders', 12);
  await client.groups.create('orders', 'billing', { start: 'earliest' });
  await consumeSome(client, 'orders', 'billing', 3, 'deadLetter');
});

afterAll(async () => {
  await client?.close();
  await browser?.close();
  await broker?.stop();
  await secured?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The page at `hash`, once `ready` is on it. */
async function pageAt(
  target: RunningBroker,
  hash: string,
  ready: string,
  colorScheme: 'light' | 'dark',
): Promise<Page> {
  const context = await browser.newContext({ colorScheme, bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${target.httpPort}/console/${hash}`);
  await page.locator(ready).first().waitFor();
  return page;
}

/** Name, hash, what shows it is ready, and what to open on it before the audit. */
const PAGES: Array<[string, string, string, ((page: Page) => Promise<void>)?]> = [
  ['overview', '', '[data-testid="stat-stations"]'],
  ['stations', '#/stations', '[data-testid="stations-table"]'],
  [
    'the new station dialog',
    '#/stations',
    '[data-testid="new-station"]',
    (page) => page.getByTestId('new-station').click(),
  ],
  ['station', '#/stations/orders', '[data-testid="groups-table"]'],
  [
    'the seek dialog',
    '#/stations/orders',
    '[data-testid="seek-billing"]',
    (page) => page.getByTestId('seek-billing').click(),
  ],
  [
    'a message',
    '#/stations/orders?tab=messages',
    '[data-testid="messages-table"] tbody tr button',
    async (page) => {
      await page.locator('[data-testid="messages-table"] tbody tr button').first().click();
      await page.getByTestId('message-detail').waitFor();
    },
  ],
  ['produce', '#/stations/orders?tab=produce', '[data-testid="produce-submit"]'],
  ['code', '#/stations/orders?tab=code', '[data-testid="snippet-node"]'],
  ['dead letters', '#/dead-letters/orders', '[data-testid="dead-letters-table"]'],
  [
    'a dead letter',
    '#/dead-letters/orders',
    '[data-testid="dead-letters-table"] tbody tr',
    async (page) => {
      await page
        .getByRole('button', { name: /^show entry/i })
        .first()
        .click();
      await page.getByTestId('dead-letter-detail').waitFor();
    },
  ],
];

describe('accessibility', () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const [name, hash, ready, open] of PAGES) {
      it(`${name} (${colorScheme}) has no WCAG 2.1 A or AA violation`, async () => {
        const page = await pageAt(broker, hash, ready, colorScheme);
        await open?.(page);
        expect(await audit(page)).toEqual([]);
        await page.context().close();
      });
    }
    it(`login (${colorScheme}) has no WCAG 2.1 A or AA violation`, async () => {
      const page = await pageAt(secured, '', '[data-testid="login-page"]', colorScheme);
      expect(await audit(page)).toEqual([]);
      await page.context().close();
    });
  }
});
