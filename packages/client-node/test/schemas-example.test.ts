/** The README's JSON Schema example (examples/schemas.mjs), run as a user would run it. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import { afterAll, beforeAll, expect, it } from 'vitest';

const EXAMPLE = fileURLToPath(new URL('../examples/schemas.mjs', import.meta.url));
const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
let broker: RunningBroker;

beforeAll(async () => {
  broker = await startBroker();
});

afterAll(async () => {
  await broker?.stop();
});

it('the README shows the example as it stands', () => {
  const readme = readFileSync(README, 'utf8');
  const section = readme.slice(readme.indexOf('\n## Schemas\n'));
  expect(section).toContain(`\`\`\`js\n${readFileSync(EXAMPLE, 'utf8')}\`\`\``);
});

it('[SCHEMA-6] the example stores a valid payment, dead-letters an invalid one, and reads the headers', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [EXAMPLE], {
    env: { PATH: process.env.PATH ?? '', FERRY_URL: `ferry://127.0.0.1:${broker.tcpPort}` },
    timeout: 30_000,
  });
  expect(stdout).toBe(
    [
      'stored at offset 0',
      "SCHEMA_VIOLATION (dead letter 0): schema 'payments' version 1: /amount must be >= 1",
      "received { id: 'pay_1', amount: 1250, currency: 'EUR' } checked against payments v1",
      '',
    ].join('\n'),
  );
});
