/**
 * The console against a real, open broker (as `pnpm start` runs it) with real data: every page
 * shows it, and the flows an operator runs work end to end in Chromium.
 */
import { rmSync } from 'node:fs';
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import type { Client } from '@ferry/node';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cell,
  launchChromium,
  openConsole,
  screenshot,
  stat,
  waitForText,
} from './support/console.js';
import { runNodeSnippet } from './support/run-snippet.js';
import { consumeSome, nodeClient, produceJson } from './support/seed.js';

let broker: RunningBroker;
let firstDataDir: string | undefined;
let browser: Browser;
let client: Client;
const pages: Array<{ page: Page; errors: string[] }> = [];

async function open(hash = '', colorScheme: 'light' | 'dark' = 'light') {
  const opened = await openConsole(browser, broker, { hash, colorScheme });
  pages.push(opened);
  return opened.page;
}

beforeAll(async () => {
  broker = await startBroker();
  browser = await launchChromium();
  client = await nodeClient(broker.tcpPort);
  await client.stations.create('orders', { partitions: 2 });
  await produceJson(client, 'orders', 40);
  await client.groups.create('orders', 'billing', { start: 'earliest' });
  await consumeSome(client, 'orders', 'billing', 10);
  await client.groups.create('orders', 'audit', { start: 'earliest', maxDeliveries: 3 });
  await consumeSome(client, 'orders', 'audit', 4, 'deadLetter');
  await client.stations.create('clicks', { partitions: 1, retention: { maxMessages: 1000 } });
  await produceJson(client, 'clicks', 5);
});

afterAll(async () => {
  await client?.close();
  await browser?.close();
  await broker?.stop();
  // After the restart the broker runs on the first one's directory, which stop() leaves.
  if (firstDataDir !== undefined) rmSync(firstDataDir, { recursive: true, force: true });
});

describe('the console on an open broker', () => {
  it('the overview shows the broker: stations, groups, dead letters, storage, version, live rates', async () => {
    const page = await open();
    await waitForText(stat(page, 'stations'), /^2\b/);
    await waitForText(stat(page, 'groups'), /^2\b/);
    await waitForText(stat(page, 'dead-letters'), /^4\b/);
    await waitForText(stat(page, 'connections'), /^[2-9]\b/);
    await waitForText(stat(page, 'version'), /\d+\.\d+\.\d+/);
    await waitForText(stat(page, 'storage'), /B/);
    const dark = await open('', 'dark');
    // Traffic while the pages watch: produced and consumed for a few of its polls, so the
    // chart draws both lines and the rates rise above 0.
    const live = await client.consume('clicks', {
      group: 'live',
      start: 'latest',
      handler: (message) => message.ack(),
    });
    const until = Date.now() + 7000;
    while (Date.now() < until) {
      await produceJson(client, 'clicks', 40);
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.getByTestId('rate-chart').waitFor();
    await waitForText(stat(page, 'messages-in'), /^[1-9]/);
    await waitForText(stat(page, 'messages-out'), /^[1-9]/);
    await live.drain();
    await screenshot(page, 'overview');
    await screenshot(dark, 'overview-dark');
  });

  it('the stations page lists every station with its numbers, searchable and sortable', async () => {
    const page = await open('#/stations');
    await waitForText(cell(page, 'stations-table', 'orders', 'partitions'), '2');
    await waitForText(cell(page, 'stations-table', 'orders', 'messages'), '40');
    await waitForText(cell(page, 'stations-table', 'orders', 'groups'), '2');
    await waitForText(cell(page, 'stations-table', 'clicks', 'groups'), '1');
    await waitForText(cell(page, 'stations-table', 'clicks', 'messages'), /^[\d,]+$/);
    await screenshot(page, 'stations');
    await page.getByTestId('station-search').fill('cli');
    await page.locator('[data-testid="stations-table"] tr[data-row="orders"]').waitFor({
      state: 'detached',
    });
    expect(await page.locator('[data-testid="stations-table"] tbody tr').count()).toBe(1);
    expect(page.url()).toContain('q=cli');
  });

  it('creates a station, produces from the form and finds the message in the browser', async () => {
    const page = await open('#/stations');
    await page.getByTestId('new-station').click();
    await page.locator('dialog input[name="name"]').fill('payments');
    await page.locator('dialog input[name="partitions"]').fill('1');
    await page.locator('dialog').getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/#\/stations\/payments/);
    expect((await client.stations.info('payments')).partitions).toHaveLength(1);

    await page.locator('a.tab', { hasText: /produce/i }).click();
    await page.locator('textarea[name="payload"]').fill('{"amount": 42, "currency": "EUR"}');
    await page.locator('input[name="key"]').fill('customer-7');
    await page.locator('input[name="msgId"]').fill('payment-1');
    await page.getByTestId('produce-submit').click();
    await waitForText(page.getByTestId('notice-success'), /partition 0 at offset 0/);
    await screenshot(page, 'station-produce');

    await page.locator('a.tab', { hasText: /messages/i }).click();
    await page.getByTestId('browse-load').click();
    const row = page.locator('[data-testid="messages-table"] tr[data-row="0/0"]');
    await row.waitFor();
    await row.locator('button').first().click();
    const detail = page.getByTestId('message-detail');
    await waitForText(detail.getByTestId('payload'), /"amount": 42/);
    expect(await detail.textContent()).toContain('customer-7');
    expect(await detail.textContent()).toContain('payment-1');
    await detail.locator('select[name="view"]').selectOption('hex');
    await waitForText(detail.getByTestId('payload'), /7b 22 61 6d/);
    await screenshot(page, 'station-messages');

    await page.locator('a.tab', { hasText: /code/i }).click();
    await waitForText(page.getByTestId('snippet-browser'), /producer\('payments'/);
    expect(await page.getByTestId('snippet-node').textContent()).toContain('@ferry/node');
    expect(await page.getByTestId('snippet-deno').textContent()).toContain('@ferry/deno');
    await screenshot(page, 'station-code');
    // The Node code runs as shown: it produces, then receives what is there.
    const code = (await page.getByTestId('snippet-node').textContent()) ?? '';
    const printed = await runNodeSnippet(
      code,
      `ferry://127.0.0.1:${broker.tcpPort}`,
      /0\/1: hello/,
    );
    expect(printed).toMatch(/stored in partition 0 at offset 1/);
    expect(printed).toContain('0/0: {"amount": 42');

    // The same message from the SDK: the console produced what it showed.
    const page0 = await client.stations.browse('payments', 0);
    expect(page0.messages[0]?.text()).toBe('{"amount": 42, "currency": "EUR"}');
  });

  it('shows a group\u2019s lag fall as a consumer takes part of the backlog, and a seek put it back', async () => {
    await client.groups.create('orders', 'shipping', { start: 'earliest' });
    const page = await open('#/stations/orders');
    await waitForText(cell(page, 'groups-table', 'shipping', 'lag'), '40');
    await screenshot(page, 'station');
    await consumeSome(client, 'orders', 'shipping', 15);
    await waitForText(cell(page, 'groups-table', 'shipping', 'lag'), '25');

    await page.getByTestId('seek-shipping').click();
    const dialog = page.getByTestId('seek-dialog');
    await dialog.locator('input[name="start"][value="earliest"]').check();
    await dialog.getByRole('button', { name: /^seek$/i }).click();
    await waitForText(cell(page, 'groups-table', 'shipping', 'lag'), '40');
    const info = await client.groups.info('orders', 'shipping');
    expect(info.lag).toBe(40);
  });

  it('resends dead letters from the console; the consumer gets them again and they leave the store', async () => {
    const page = await open('#/dead-letters/orders?group=audit');
    const rows = page.locator('[data-testid="dead-letters-table"] tbody tr');
    await rows.nth(3).waitFor();
    expect(await rows.count()).toBe(4);
    await screenshot(page, 'dead-letters');
    const firstId = await rows.first().getAttribute('data-row');
    await rows
      .first()
      .getByRole('button', { name: /^show entry/i })
      .click();
    await waitForText(page.getByTestId('dead-letter-detail').getByTestId('payload'), /"n":/);
    await screenshot(page, 'dead-letter-detail');

    await page.getByRole('checkbox', { name: 'Select all' }).check();
    await page.getByTestId('resend-selected').click();
    await page.getByTestId('confirm-button').click();
    await waitForText(page.getByTestId('notice-success'), /Resent 4/);

    // The group still has the 36 messages it never took; the 4 resent come among them.
    const again = await consumeSome(client, 'orders', 'audit', 40);
    expect(again.filter((m) => /"n":(0|1|2|3)}/.test(m)).length).toBeGreaterThanOrEqual(4);
    await page.getByTestId('empty').waitFor({ timeout: 20_000 });
    expect(await client.groups.info('orders', 'audit')).toMatchObject({ deadLetters: 0 });
    expect(firstId).toMatch(/^\d+$/);
  });

  it('drops dead letters, and deletes a station after typing its name', async () => {
    await produceJson(client, 'orders', 2);
    await consumeSome(client, 'orders', 'audit', 2, 'deadLetter');
    const page = await open('#/dead-letters/orders');
    const rows = page.locator('[data-testid="dead-letters-table"] tbody tr');
    await rows.nth(1).waitFor();
    await page.getByTestId('drop-all').click();
    await page.getByTestId('confirm-button').click();
    await waitForText(page.getByTestId('notice-success'), /Dropped 2/);
    expect((await client.stations.info('orders')).deadLetters).toBe(0);

    await page.goto(page.url().replace(/#.*$/, '#/stations/clicks'));
    await page.getByTestId('delete-station').click();
    expect(await page.getByTestId('confirm-button').isDisabled()).toBe(true);
    await page.getByTestId('confirm-input').fill('clicks');
    await page.getByTestId('confirm-button').click();
    await page.waitForURL(/#\/stations$/);
    await expect(client.stations.info('clicks')).rejects.toMatchObject({
      code: 'STATION_NOT_FOUND',
    });
  });

  it('every page rendered without a script error', () => {
    expect(pages.flatMap((p) => p.errors)).toEqual([]);
  });

  it('says when the broker is gone, and picks up where it was once it is back', async () => {
    const { page } = await openConsole(browser, broker, { hash: '#/stations' });
    await waitForText(cell(page, 'stations-table', 'orders', 'partitions'), '2');
    await broker.kill();
    await page
      .getByText(/reconnecting/i)
      .first()
      .waitFor();
    await screenshot(page, 'reconnecting');
    firstDataDir = broker.dataDir;
    broker = await startBroker({
      dataDir: broker.dataDir,
      tcpPort: broker.tcpPort,
      httpPort: broker.httpPort,
    });
    await page
      .getByText(/reconnecting/i)
      .first()
      .waitFor({ state: 'detached', timeout: 30_000 });
    await waitForText(cell(page, 'stations-table', 'orders', 'partitions'), '2');
    // Still live: a station made after the restart shows up without a reload.
    const after = await nodeClient(broker.tcpPort);
    await after.stations.create('after-restart', { partitions: 1 });
    await after.close();
    await page.locator('[data-testid="stations-table"] tr[data-row="after-restart"]').waitFor();
  });
});
