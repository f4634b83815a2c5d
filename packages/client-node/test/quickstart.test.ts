/** The README's Node quick start (examples/quickstart.mjs), run as a user would run it. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import { afterAll, beforeAll, expect, it } from 'vitest';

const EXAMPLE = fileURLToPath(new URL('../examples/quickstart.mjs', import.meta.url));
let broker: RunningBroker;

beforeAll(async () => {
  broker = await startBroker();
});

afterAll(async () => {
  await broker?.stop();
});

it('the quick start produces, consumes and exits', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [EXAMPLE], {
    env: { PATH: process.env.PATH ?? '', FERRY_URL: `ferry://127.0.0.1:${broker.tcpPort}` },
    timeout: 30_000,
  });
  expect(stdout).toBe(
    'stored in partition 0 at offset 0\nreceived { id: 42, total: 9.5 } delivery 1\n',
  );
});
