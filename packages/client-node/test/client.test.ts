/** `connect()` from this package, over TCP and WebSocket, against a real broker. */

import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, ConnectionError, connect, ServerError } from '../src/index.js';
import { closedPort } from './support/local-server.js';
import { TOKEN } from './support/raw-frames.js';

let broker: RunningBroker;

beforeAll(async () => {
  broker = await startBroker({ token: TOKEN });
});

afterAll(async () => {
  await broker.stop();
});

const servers = [
  { name: 'tcp', url: (b: RunningBroker) => `ferry://127.0.0.1:${b.tcpPort}` },
  { name: 'ws', url: (b: RunningBroker) => `ws://127.0.0.1:${b.httpPort}/ws` },
];

describe.each(servers)('connect() over $name', ({ name, url }) => {
  async function connected(run: (client: Client) => Promise<void>): Promise<void> {
    const client = await connect(url(broker), { auth: { token: TOKEN }, name: `node-${name}` });
    try {
      await run(client);
    } finally {
      await client.close();
    }
    expect(await client.closed()).toBeUndefined();
  }

  it('connects with a token and learns the server', () =>
    connected(async (client) => {
      expect(client.connected).toBe(true);
      expect(client.server).toMatchObject({ version: 1, url: new URL(url(broker)).href });
      expect(await client.ping()).toBeGreaterThanOrEqual(0);
    }));

  it('creates a station, produces to it and consumes what it produced', () =>
    connected(async (client) => {
      const station = `orders-${name}`;
      await client.stations.create(station, { partitions: 2 });
      expect((await client.stations.info(station)).name).toBe(station);

      const producer = client.producer(station);
      const texts = ['one', 'two', 'three'];
      const acks = await Promise.all(
        texts.map((text) => producer.produce(new TextEncoder().encode(text), { key: 'k' })),
      );
      expect(acks.map((ack) => ack.duplicate)).toEqual([false, false, false]);

      const consumer = await client.consume(station, { group: 'g', start: 'earliest' });
      const received: string[] = [];
      for await (const message of consumer) {
        received.push(message.text());
        await message.ack();
        if (received.length === texts.length) break;
      }
      // One key, one partition: the order is kept.
      expect(received).toEqual(texts);
    }));

  it('rejects with the broker AUTH_FAILED error for a wrong token', async () => {
    const failure = connect(url(broker), { auth: { token: 'wrong' }, reconnect: false });
    await expect(failure).rejects.toBeInstanceOf(ServerError);
    await expect(failure).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });
});

it('rejects CONNECTION_FAILED when no server of the list answers', async () => {
  const port = await closedPort();
  const failure = connect([`ferry://127.0.0.1:${port}`, `ws://127.0.0.1:${port}/ws`], {
    auth: { token: TOKEN },
  });
  await expect(failure).rejects.toBeInstanceOf(ConnectionError);
  await expect(failure).rejects.toMatchObject({ code: 'CONNECTION_FAILED' });
});
