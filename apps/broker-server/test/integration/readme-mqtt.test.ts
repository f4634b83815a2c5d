/** The README's Mosquitto example, run as it stands against a real broker. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';

const fixture = useBrokers();

function mosquittoExample(): string {
  const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('\n## MQTT\n');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const block = /```sh\n(mosquitto_[\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('README: no mosquitto block under "MQTT"');
  return block;
}

function run(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Its own process group, so that a hung mosquitto_sub goes with it when the test gives up.
  const child = spawn('/bin/bash', ['-ec', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const stop = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 20_000);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(stop);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe('README: MQTT', () => {
  it('[MQTT-3.1.2-5] a persistent session made with mosquitto_sub receives what mosquitto_pub sent while it was away', async () => {
    const b = await fixture.broker({ args: ['--mqtt', 'true', '--mqtt-port', '0'] });
    const script = mosquittoExample().replaceAll('-h 127.0.0.1', `-h 127.0.0.1 -p ${b.mqttPort}`);
    const { code, stdout, stderr } = await run(script);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe('sensors/hall/temp 20.5\n');
  });
});
