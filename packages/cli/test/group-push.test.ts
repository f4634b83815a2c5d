import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, startBroker } from './support/broker.js';
import { ferry } from './support/ferry.js';

let broker: Broker;
let server: string[];
let hook: Server;
let hookUrl: string;
const bodies: { text: string; signature: string | undefined }[] = [];

beforeAll(async () => {
  broker = await startBroker();
  server = ['--server', broker.url];
  hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push({
        text: Buffer.concat(chunks).toString('utf8'),
        signature: req.headers['ferry-signature'] as string | undefined,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/ferry`;
});
afterAll(async () => {
  await broker.stop();
  hook.closeAllConnections();
  hook.close();
});

const json = async (args: string[], env?: Record<string, string>) => {
  const result = await ferry([...server, '--json', ...args], env === undefined ? {} : { env });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
};

async function received(n: number): Promise<void> {
  for (let i = 0; i < 200 && bodies.length < n; i++)
    await new Promise((resolve) => setTimeout(resolve, 50));
  expect(bodies.length).toBeGreaterThanOrEqual(n);
}

describe('ferry group --push-*', () => {
  it('[GROUP-6] creates a group pushing to an endpoint, signed with the secret from the environment, then removes and sets it', async () => {
    const created = await json(
      [
        'group',
        'create',
        'hooks',
        'web',
        '--from',
        'earliest',
        '--push-url',
        hookUrl,
        '--push-batch-size',
        '10',
        '--push-concurrency',
        '2',
        '--push-timeout-ms',
        '5000',
      ],
      { FERRY_PUSH_SECRET: 'whsec_cli' },
    );
    expect(created.push).toEqual({
      url: hookUrl,
      batchSize: 10,
      concurrency: 2,
      timeoutMs: 5000,
      secret: true,
    });
    await ferry([...server, 'pub', 'hooks', 'hello']);
    await received(1);
    const [first] = bodies;
    const t = /t=(\d+)/.exec(first?.signature ?? '')?.[1];
    const mac = createHmac('sha256', 'whsec_cli').update(`${t}.${first?.text}`).digest('hex');
    expect(first?.signature).toBe(`t=${t},v1=${mac}`);
    expect(JSON.parse(first?.text ?? '{}')).toMatchObject({
      station: 'hooks',
      group: 'web',
      messages: [{ partition: 0, offset: 0, deliveryCount: 1, text: 'hello' }],
    });
    const shown = await ferry([...server, 'group', 'info', 'hooks', 'web']);
    expect(shown.stdout).toMatch(
      /^push: +http:\/\/127\.0\.0\.1:\d+\/ferry \(batch 10, .*signed\)$/m,
    );

    const removed = await json(['group', 'update', 'hooks', 'web', '--remove-push']);
    expect(removed.push).toBeUndefined();
    const set = await json(['group', 'update', 'hooks', 'web', '--push-url', hookUrl]);
    expect(set.push).toMatchObject({ url: hookUrl, secret: false });
    await ferry([...server, 'pub', 'hooks', 'again']);
    await received(2);
    expect(bodies[1]?.signature).toBeUndefined();

    const neither = await ferry([...server, 'group', 'update', 'hooks', 'web']);
    expect(neither.code).not.toBe(0);
    expect(neither.stderr).toMatch(/--push-url or --remove-push/);
  });
});
