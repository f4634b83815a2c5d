/** The README's example (examples/schemas.mjs), run as a user would run it. */
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

it('the root README shows the example as it stands', () => {
  const readme = readFileSync(README, 'utf8');
  const section = readme.slice(readme.indexOf('\n## Schemas\n'));
  expect(section).toContain(`\`\`\`js\n${readFileSync(EXAMPLE, 'utf8')}\`\`\``);
});

it('the example registers a schema, produces protobuf and decodes it by its headers', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [EXAMPLE], {
    env: { PATH: process.env.PATH ?? '', FERRY_URL: `ferry://127.0.0.1:${broker.tcpPort}` },
    timeout: 30_000,
  });
  expect(stdout).toBe("1 { items: [ 'tea', 'cup' ], id: 'o-1', cents: '1250' }\n");
});
