/** The README's "From the terminal" quick start, run as it stands against a real broker. */
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Broker, startBroker } from './support/broker.js';
import { configDir, FERRY_BIN, finished, tempDir } from './support/ferry.js';

let broker: Broker;

beforeAll(async () => {
  broker = await startBroker();
});
afterAll(() => broker.stop());

function quickStart(): string {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('\n## From the terminal\n'));
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('README: no bash block under "From the terminal"');
  return block;
}

it("runs the README's quick start: pub lines, sub them back, group info, health", async () => {
  // `ferry` on the PATH is the built binary, pointed at this test's broker as FERRY_URL says.
  const bin = tempDir('bin-');
  writeFileSync(join(bin, 'ferry'), `#!/bin/sh\nexec "${process.execPath}" "${FERRY_BIN}" "$@"\n`);
  chmodSync(join(bin, 'ferry'), 0o755);
  const child = spawn('/bin/bash', ['-e', '-o', 'pipefail', '-c', quickStart()], {
    env: {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      XDG_CONFIG_HOME: configDir(),
      FERRY_URL: broker.url,
      FERRY_HTTP_URL: broker.httpUrl,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const result = await finished(child);
  expect(result.stderr).toBe('published 3 messages to greetings\n');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^one\ntwo\nthree\ngroup: +readers\n/);
  expect(result.stdout).toMatch(/^lag: +0$/m);
  expect(result.stdout).toMatch(/^greetings +1 +3 /m);
  expect(result.stdout).toMatch(/^ready \(200/m);
});
