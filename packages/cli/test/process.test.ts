import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, startBroker } from './support/broker.js';
import { ferry, finished, spawnFerry } from './support/ferry.js';

let broker: Broker;
let server: string[];

beforeAll(async () => {
  broker = await startBroker();
  server = ['--server', broker.url];
});
afterAll(() => broker.stop());

/** A loopback port nothing listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  const listener = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => listener.once('listening', resolve));
  const { port } = listener.address() as { port: number };
  await new Promise((resolve) => listener.close(resolve));
  return port;
}

async function groupInfo(station: string, group: string) {
  return JSON.parse((await ferry([...server, '--json', 'group', 'info', station, group])).stdout);
}

describe('exit codes', () => {
  it('is 1 for a usage error, 3 for an unknown station, 5 for a refusal', async () => {
    const usage = await ferry([...server, 'sub', 'orders', '--from', 'yesterday', '-g', 'g']);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain("option '--from <position>' argument 'yesterday' is invalid");

    const missing = await ferry([...server, 'station', 'info', 'nowhere']);
    expect(missing).toMatchObject({ code: 3, stdout: '' });
    expect(missing.stderr).toMatch(/^ferry: STATION_NOT_FOUND: /);

    await ferry([...server, 'station', 'create', 'fixed', '--partitions', '1']);
    const refused = await ferry([...server, 'station', 'create', 'fixed', '--partitions', '3']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/^ferry: STATION_EXISTS: /);
  });

  it('is 2 when the broker is down, for pub and for health', async () => {
    const port = await closedPort();
    const pub = await ferry(['--server', `ferry://127.0.0.1:${port}`, 'pub', 'orders', 'x']);
    expect(pub.code).toBe(2);
    expect(pub.stderr).toMatch(/^ferry: CONNECTION_FAILED: /);
    const health = await ferry(['--http-url', `http://127.0.0.1:${port}`, 'health']);
    expect(health.code).toBe(2);
  });

  it('is 0 for health when the broker is ready', async () => {
    const health = await ferry(['--http-url', broker.httpUrl, '--json', 'health']);
    expect(health.code).toBe(0);
    expect(JSON.parse(health.stdout)).toMatchObject({ ready: true, status: 200 });
  });
});

describe('ferry pub on a stdin that stays open', () => {
  it('prints each ack as it arrives, before stdin ends', async () => {
    const pub = spawnFerry([...server, '--json', 'pub', 'streamed']);
    const result = finished(pub);
    pub.stdin?.write('first\n');
    const line = await new Promise<string>((resolve) =>
      createInterface({ input: pub.stdout as NodeJS.ReadableStream }).once('line', resolve),
    );
    expect(JSON.parse(line)).toEqual({ partition: 0, offset: 0, duplicate: false });
    pub.stdin?.end('second\n');
    expect(await result).toMatchObject({ code: 0, stderr: '' });
  });

  it('fails at the first refused message without waiting for stdin to end', async () => {
    await ferry([...server, 'station', 'create', 'small', '--partitions', '1']);
    const pub = spawnFerry([...server, 'pub', 'small', '--partition', '7']);
    pub.stdin?.write('lost\n');
    const result = await finished(pub);
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/^ferry: PARTITION_OUT_OF_RANGE: /);
  });
});

describe('stopping ferry sub', () => {
  it('exits 0 when its reader goes away, acking only what it wrote', async () => {
    // More than a pipe's buffer holds, so that the writer is still busy when the reader leaves.
    const lines = `${Array.from({ length: 3000 }, (_, i) => `message number ${i}`).join('\n')}\n`;
    await ferry([...server, 'pub', 'piped'], { stdin: lines });
    const sub = spawnFerry([...server, 'sub', 'piped', '-g', 'head', '--from', 'earliest']);
    const result = finished(sub);
    const first = await new Promise<string>((resolve) =>
      createInterface({ input: sub.stdout as NodeJS.ReadableStream }).once('line', resolve),
    );
    expect(JSON.parse(first)).toMatchObject({ offset: 0, payload: 'message number 0' });
    sub.stdout?.destroy();
    expect(await result).toMatchObject({ code: 0, stderr: '' });

    const info = await groupInfo('piped', 'head');
    expect(info).toMatchObject({ members: 0, pending: 0 });
    expect(info.lag).toBeGreaterThan(0);
    expect(info.lag).toBeLessThan(3000);
  });

  it('exits 130 on Ctrl-C, leaving the group with no member and nothing in flight', async () => {
    await ferry([...server, 'pub', 'live', 'first']);
    const sub = spawnFerry([...server, 'sub', 'live', '-g', 'watchers', '--from', 'earliest']);
    const result = finished(sub);
    await new Promise((resolve) => sub.stdout?.once('data', resolve));
    sub.kill('SIGINT');
    expect(await result).toMatchObject({ code: 130, stderr: '' });
    expect(await groupInfo('live', 'watchers')).toMatchObject({ members: 0, pending: 0, lag: 0 });
  });

  it('exits 143 on SIGTERM, as a service manager expects', async () => {
    await ferry([...server, 'pub', 'live', 'second']);
    const sub = spawnFerry([...server, 'sub', 'live', '-g', 'terminated', '--from', 'earliest']);
    const result = finished(sub);
    await new Promise((resolve) => sub.stdout?.once('data', resolve));
    sub.kill('SIGTERM');
    expect(await result).toMatchObject({ code: 143, stderr: '' });
    expect(await groupInfo('live', 'terminated')).toMatchObject({ members: 0, pending: 0 });
  });
});
