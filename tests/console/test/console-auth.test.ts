/**
 * The console on a broker that requires credentials: the login page, tokens and passwords,
 * logging out, and what a principal may not do hidden or shown as denied.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import type { Client } from '@ferry/node';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openConsole, screenshot, stat, waitForText } from './support/console.js';
import { ADMIN_TOKEN, OPS_USER, VIEWER_TOKEN, writeAuthConfig } from './support/principals.js';
import { consumeSome, nodeClient, produceJson } from './support/seed.js';

let dir: string;
let broker: RunningBroker;
let browser: Browser;
let admin: Client;
const pages: Array<{ page: Page; errors: string[] }> = [];

async function open(hash = '') {
  const opened = await openConsole(browser, broker, { hash });
  pages.push(opened);
  return opened.page;
}

async function loginWithToken(page: Page, token: string): Promise<void> {
  await page.getByTestId('login-page').waitFor();
  await page.locator('input[name="token"]').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-console-auth-'));
  broker = await startBroker({ args: ['--config', writeAuthConfig(dir)] });
  browser = await launchChromium();
  admin = await nodeClient(broker.tcpPort, ADMIN_TOKEN);
  await admin.stations.create('orders.eu', { partitions: 1 });
  await produceJson(admin, 'orders.eu', 6);
  await admin.groups.create('orders.eu', 'billing', { start: 'earliest' });
  await consumeSome(admin, 'orders.eu', 'billing', 2, 'deadLetter');
  await admin.stations.create('audit', { partitions: 1 });
});

afterAll(async () => {
  await admin?.close();
  await browser?.close();
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the console on a broker that requires credentials', () => {
  it('asks for credentials, refuses a wrong token with its code, and logs in and out with a good one', async () => {
    const page = await open();
    await page.getByTestId('login-page').waitFor();
    await screenshot(page, 'login');
    await loginWithToken(page, 'not-a-token-of-this-broker-0123456789');
    await waitForText(page.getByTestId('notice-error'), /AUTH_FAILED/);

    await page.locator('input[name="token"]').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await waitForText(page.getByTestId('principal'), 'admin');
    await waitForText(stat(page, 'stations'), /^2\b/);
    // The connection count is for administrators of every station.
    await waitForText(stat(page, 'connections'), /\d/);

    // A reload keeps the tab's login; logging out forgets it.
    await page.reload();
    await waitForText(page.getByTestId('principal'), 'admin');
    await page.getByTestId('logout').click();
    await page.getByTestId('login-page').waitFor();
    await page.reload();
    await page.getByTestId('login-page').waitFor();
  });

  it('hides what a browse-only principal may not do', async () => {
    const page = await open('#/stations');
    await loginWithToken(page, VIEWER_TOKEN);
    await waitForText(page.getByTestId('principal'), 'viewer');
    await page.locator('[data-testid="stations-table"] tr[data-row="audit"]').waitFor();
    expect(await page.getByTestId('new-station').count()).toBe(0);

    await page.goto(page.url().replace(/#.*$/, '#/stations/orders.eu'));
    await page.locator('[data-testid="groups-table"] tr[data-row="billing"]').waitFor();
    for (const id of [
      'delete-station',
      'purge-station',
      'edit-station',
      'seek-billing',
      'new-group',
    ])
      expect(await page.getByTestId(id).count(), id).toBe(0);

    await page.goto(page.url().replace(/#.*$/, '#/dead-letters/orders.eu'));
    await page
      .getByText(/may not/i)
      .first()
      .waitFor();
    expect(await page.getByTestId('resend-all').count()).toBe(0);
  });

  it('logs in with a user name and password, and shows a refused action as denied', async () => {
    const page = await open('#/stations');
    await page.getByTestId('login-page').waitFor();
    await page.getByLabel('User name and password').check();
    await page.locator('input[name="username"]').fill(OPS_USER.username);
    await page.locator('input[name="password"]').fill(OPS_USER.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await waitForText(page.getByTestId('principal'), 'ops');

    // ops administers orders.* only: creating another station is refused by the broker.
    await page.getByTestId('new-station').click();
    await page.locator('dialog input[name="name"]').fill('billing');
    await page.locator('dialog').getByRole('button', { name: 'Create' }).click();
    await waitForText(page.locator('dialog').getByTestId('denied'), /Denied: .*billing/);
    await screenshot(page, 'denied');
    await expect(admin.stations.info('billing')).rejects.toMatchObject({
      code: 'STATION_NOT_FOUND',
    });

    // Within its stations the same principal acts: it drops a dead letter of orders.eu.
    await page.goto(page.url().replace(/#.*$/, '#/dead-letters/orders.eu'));
    const rows = page.locator('[data-testid="dead-letters-table"] tbody tr');
    await rows.nth(1).waitFor();
    await rows
      .first()
      .getByRole('button', { name: /^drop entry/i })
      .click();
    await page.getByTestId('confirm-button').click();
    await waitForText(page.getByTestId('notice-success'), /Dropped 1/);
    expect((await admin.stations.info('orders.eu')).deadLetters).toBe(1);
  });

  it('every page rendered without a script error', () => {
    // A refused login is logged by the browser as a failed WebSocket: not a script error.
    const errors = pages.flatMap((p) => p.errors).filter((e) => !/WebSocket/.test(e));
    expect(errors).toEqual([]);
  });
});
