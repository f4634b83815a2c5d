/** The README's Deno quick start (examples/quickstart.ts), run with `deno run` as a user would. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import { afterAll, beforeAll, expect, it } from 'vitest';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
let broker: RunningBroker;

beforeAll(async () => {
  broker = await startBroker();
});

afterAll(async () => {
  await broker?.stop();
});

it('the quick start produces, consumes and exits', async () => {
  const { stdout } = await promisify(execFile)(
    join(PACKAGE, 'node_modules/.bin/deno'),
    ['run', '--allow-net', '--allow-env=FERRY_URL', join(PACKAGE, 'examples/quickstart.ts')],
    {
      // From the repository root, where the workspace's deno.json maps @ferry/deno.
      cwd: join(PACKAGE, '../..'),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NO_COLOR: '1',
        FERRY_URL: `ferry://127.0.0.1:${broker.tcpPort}`,
      },
      timeout: 60_000,
    },
  );
  expect(stdout).toBe(
    'stored in partition 0 at offset 0\nreceived { id: 42, total: 9.5 } delivery 1\n',
  );
});
