import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { connectTcp } from '../support/raw-client.js';

const fixture = useBrokers();
const packageJson = new URL('../../package.json', import.meta.url);
const bin = fileURLToPath(new URL('../../dist/bin/ferry-broker.js', import.meta.url));

describe('the version the broker reports', () => {
  it('is the @ferry/broker package version, in welcome and in --version alike', async () => {
    const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
    const printed = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [bin, '--version'], (error, stdout) =>
        error ? reject(error) : resolve(stdout.trim()),
      ),
    );
    expect(printed).toBe(version);
    const b = await fixture.broker();
    const client = await connectTcp(b.tcpPort);
    fixture.track(client);
    expect((await client.handshake()).serverVersion).toBe(version);
  });
});
