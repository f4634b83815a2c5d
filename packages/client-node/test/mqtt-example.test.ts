/** The README's MQTT example (examples/mqtt.mjs), run as a user would run it. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import { afterAll, beforeAll, expect, it } from 'vitest';

const EXAMPLE = fileURLToPath(new URL('../examples/mqtt.mjs', import.meta.url));
const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
let broker: RunningBroker;

beforeAll(async () => {
  broker = await startBroker({ args: ['--mqtt', 'true', '--mqtt-port', '0'] });
});

afterAll(async () => {
  await broker?.stop();
});

it('the README shows the example as it stands', () => {
  const readme = readFileSync(README, 'utf8');
  const section = readme.slice(readme.indexOf('\n## MQTT\n'));
  expect(section).toContain(`\`\`\`js\n${readFileSync(EXAMPLE, 'utf8')}\`\`\``);
});

it('an MQTT publish reaches a Ferry consumer group, and a Ferry produce an MQTT subscriber', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [EXAMPLE], {
    env: {
      PATH: process.env.PATH ?? '',
      FERRY_URL: `ferry://127.0.0.1:${broker.tcpPort}`,
      MQTT_URL: `mqtt://127.0.0.1:${broker.mqttPort}`,
    },
    timeout: 30_000,
  });
  expect(stdout).toBe(
    [
      'ferry got 21.5 on sensors/kitchen/temp (key sensors/kitchen/temp, unit C)',
      'mqtt got 19 on sensors/kitchen/setpoint',
      '',
    ].join('\n'),
  );
});
