/**
 * The schema registry in the console against a real broker: a JSON schema registered and
 * versioned through the pages, attached to a station, messages refused by it, and its
 * dead letters resent through it (SCHEMA-10).
 */
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import { type Client, SchemaViolationError } from '@ferry/node';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from './support/axe.js';
import { cell, launchChromium, openConsole, screenshot, waitForText } from './support/console.js';
import { nodeClient } from './support/seed.js';

const text = (s: string) => new TextEncoder().encode(s);
const ORDER = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer' } },
};

let broker: RunningBroker;
let browser: Browser;
let client: Client;
const pages: Array<{ page: Page; errors: string[] }> = [];

async function open(hash: string) {
  const opened = await openConsole(browser, broker, { hash });
  pages.push(opened);
  return opened.page;
}

beforeAll(async () => {
  broker = await startBroker();
  browser = await launchChromium();
  client = await nodeClient(broker.tcpPort);
  await client.stations.create('orders', { partitions: 1 });
});

afterAll(async () => {
  await client?.close();
  await browser?.close();
  await broker?.stop();
});

describe('schemas in the console', () => {
  it('registers a JSON schema from the form, showing what the broker refuses, then a second version', async () => {
    const page = await open('#/schemas');
    await page.getByTestId('empty').waitFor();
    await page.getByTestId('new-schema').click();
    const dialog = page.getByTestId('schema-dialog');
    await dialog.locator('input[name="name"]').fill('order');
    // json offers compatibility none only, and says why.
    expect(await dialog.locator('option[value="backward"]').isDisabled()).toBe(true);
    await waitForText(dialog.getByTestId('compatibility-note'), /json/i);
    await dialog.locator('textarea[name="definition"]').fill('{ "type": "object", ');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await waitForText(dialog.locator('.notice-error code'), 'SCHEMA_INVALID');

    await dialog.locator('textarea[name="definition"]').fill(JSON.stringify(ORDER));
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/#\/schemas\/order$/);
    await waitForText(cell(page, 'versions-table', '1', 'fingerprint'), /^sha256:[0-9a-f]{12}…$/);
    // Shown indented, as a person reads it.
    await waitForText(page.getByTestId('schema-definition'), /"required": \[\n\s+"id"\n\s+\]/);

    await page.getByTestId('add-version').click();
    const next = page.getByTestId('version-dialog');
    const v2 = { ...ORDER, properties: { ...ORDER.properties, note: { type: 'string' } } };
    await next.locator('textarea[name="definition"]').fill(JSON.stringify(v2, null, 2));
    await next.getByRole('button', { name: 'Add version' }).click();
    await page.waitForURL(/version=2/);
    await waitForText(cell(page, 'versions-table', '2', 'version'), 'v2');
    await waitForText(page.getByTestId('schema-definition'), /"note"/);
    expect((await client.schemas.info('order')).latest).toBe(2);
  });

  it('attaches the schema to a station; a valid message is stored, an invalid one refused and kept as a dead letter', async () => {
    const page = await open('#/stations/orders');
    await page.getByTestId('attach-schema').click();
    const dialog = page.getByTestId('attach-dialog');
    await dialog.locator('select[name="schema"]').selectOption('order');
    await dialog.locator('select[name="version"]').selectOption('');
    await dialog.locator('select[name="mode"]').selectOption('deadletter');
    await dialog.getByRole('button', { name: 'Attach' }).click();
    await waitForText(page.getByTestId('station-schema-version'), 'latest');
    await waitForText(page.getByTestId('station-schema-mode'), /^deadletter/);
    await screenshot(page, 'station-schema');
    expect((await client.stations.info('orders')).schema).toEqual({
      name: 'order',
      mode: 'deadletter',
    });

    const producer = client.producer('orders');
    await producer.produce(text('{"id": 1}'));
    const refused = await producer.produce(text('{"id": "one"}')).catch((e: unknown) => e);
    await producer.close();
    expect(refused).toBeInstanceOf(SchemaViolationError);
    expect((refused as SchemaViolationError).deadLetterId).toBeTypeOf('number');

    // From the console's produce form too: the broker's refusal shows with its code.
    await page.locator('a.tab', { hasText: /produce/i }).click();
    await page.locator('textarea[name="payload"]').fill('{"note": "no id"}');
    await page.getByTestId('produce-submit').click();
    await waitForText(page.locator('.notice-error code'), 'SCHEMA_VIOLATION');
    const stored = await client.stations.browse('orders', 0);
    expect(stored.messages.map((m) => m.text())).toEqual(['{"id": 1}']);
  });

  it('labels the schema’s dead letters and resends them through the schema, where they fail again', async () => {
    const page = await open('#/dead-letters/orders');
    const rows = page.locator('[data-testid="dead-letters-table"] tbody tr');
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    await waitForText(rows.first().getByTestId('schema-refusal'), 'refused by the schema');
    expect(await page.locator('select[name="group"] option[value="$schema"]').textContent()).toBe(
      'refused by the schema',
    );

    await rows
      .first()
      .getByRole('button', { name: /^resend entry/i })
      .click();
    await waitForText(page.getByTestId('resend-through-schema'), /again through the schema/);
    await page.getByTestId('confirm-button').click();
    await waitForText(page.getByTestId('notice-success'), /1 entry failed the schema again/);
    await screenshot(page, 'dead-letters-schema');
    expect((await client.stations.info('orders')).deadLetters).toBe(2);
  });

  it('lists the schema with its station; deleting it waits until it is detached', async () => {
    const page = await open('#/schemas');
    await waitForText(cell(page, 'schemas-table', 'order', 'stations'), 'orders');
    await waitForText(cell(page, 'schemas-table', 'order', 'latest'), '2');
    await waitForText(cell(page, 'schemas-table', 'order', 'type'), 'json');

    await page.goto(page.url().replace(/#.*$/, '#/schemas/order?version=1'));
    await waitForText(page.getByTestId('delete-reason'), /attached to orders/);
    expect(await page.getByTestId('delete-schema').isDisabled()).toBe(true);
    await waitForText(page.getByTestId('schema-stations'), 'orders');
    await screenshot(page, 'schema');
    // The broker refuses it anyway (SCHEMA-9).
    await expect(client.schemas.delete('order')).rejects.toMatchObject({ code: 'SCHEMA_IN_USE' });

    await page.goto(page.url().replace(/#.*$/, '#/stations/orders'));
    await page.getByTestId('detach-schema').click();
    await page.getByTestId('confirm-button').click();
    await page.getByTestId('attach-schema').filter({ hasText: 'Attach schema' }).waitFor();
    expect((await client.stations.info('orders')).schema).toBeUndefined();

    await page.goto(page.url().replace(/#.*$/, '#/schemas/order'));
    await page.locator('[data-testid="delete-schema"]:not([disabled])').waitFor();
    await page.getByTestId('delete-schema').click();
    await page.getByTestId('confirm-input').fill('order');
    await page.getByTestId('confirm-button').click();
    await page.waitForURL(/#\/schemas$/);
    await expect(client.schemas.info('order')).rejects.toMatchObject({
      code: 'SCHEMA_NOT_FOUND',
    });
  });

  it('the schema pages and dialogs pass axe-core in light and dark', async () => {
    await client.schemas.create('reading', {
      type: 'avro',
      definition: JSON.stringify({
        type: 'record',
        name: 'Reading',
        fields: [{ name: 'celsius', type: 'double' }],
      }),
      compatibility: 'backward',
    });
    await client.stations.attachSchema('orders', 'reading', { version: 1 });
    const views: Array<[string, string, ((page: Page) => Promise<void>)?]> = [
      ['#/schemas', '[data-testid="schemas-table"]'],
      ['#/schemas', '[data-testid="new-schema"]', (p) => p.getByTestId('new-schema').click()],
      ['#/schemas/reading', '[data-testid="schema-definition"]'],
      [
        '#/stations/orders',
        '[data-testid="station-schema"]',
        (p) => p.getByTestId('attach-schema').click(),
      ],
    ];
    const found: string[] = [];
    for (const colorScheme of ['light', 'dark'] as const)
      for (const [hash, ready, act] of views) {
        const context = await browser.newContext({ colorScheme, bypassCSP: true });
        const page = await context.newPage();
        await page.goto(`http://127.0.0.1:${broker.httpPort}/console/${hash}`);
        await page.locator(ready).first().waitFor();
        await act?.(page);
        await page.waitForTimeout(300);
        for (const v of await audit(page))
          found.push(`${hash} ${colorScheme}: ${v.id} (${v.help}) ${v.targets.join(' | ')}`);
        await context.close();
      }
    expect(found).toEqual([]);
  });

  it('every page rendered without a script error', () => {
    expect(pages.flatMap((p) => p.errors)).toEqual([]);
  });
});
