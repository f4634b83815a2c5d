/**
 * Consumer semantics a user relies on, against a real broker process: what prefetch bounds
 * [CLIENT-1], that settlements issued before a stop are confirmed before the unsubscribe
 * [CLIENT-2], where a consumer's failures go [CLIENT-4], and the version the client reports.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect as connectWith } from '@ferry/client';
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import { DEFAULT_LIMITS, decodeFrame, type Frame } from '@ferry/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Client, connect, type Message, nodeTransport } from '../src/index.js';

let broker: RunningBroker;
let url: string;
const opened: Client[] = [];

beforeAll(async () => {
  broker = await startBroker();
  url = `ferry://127.0.0.1:${broker.tcpPort}`;
});

afterAll(async () => {
  await broker.stop();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((client) => client.close()));
});

async function open(): Promise<Client> {
  const client = await connect(url);
  opened.push(client);
  return client;
}

/** A client whose every outgoing frame is recorded, decoded, in `sent`. */
async function recorded(sent: Frame[]): Promise<Client> {
  const transport = nodeTransport();
  const client = await connectWith(url, {
    transport: async (options) => {
      const inner = await transport(options);
      return {
        send: (bytes) => {
          sent.push(decodeFrame(bytes, DEFAULT_LIMITS));
          return inner.send(bytes);
        },
        drained: () => inner.drained(),
        close: () => inner.close(),
        closed: () => inner.closed(),
        [Symbol.asyncIterator]: () => inner[Symbol.asyncIterator](),
      };
    },
  });
  opened.push(client);
  return client;
}

const encoder = new TextEncoder();

async function backlog(client: Client, station: string, count: number): Promise<void> {
  await client.stations.create(station, { partitions: 1 });
  const producer = client.producer(station);
  for (let n = 0; n < count; n++) void producer.produce(encoder.encode(`m${n}`));
  // close() waits for every ack or error; the offsets say they were all stored.
  await producer.close();
  const stored = (await client.stations.info(station)).partitions[0]?.nextOffset;
  expect(stored).toBe(count);
}

function credits(sent: readonly Frame[]): number[] {
  return sent.flatMap((frame) => (frame.type === 'credit' ? [frame.credit] : []));
}

describe('prefetch [CLIENT-1]', () => {
  it('bounds the messages delivered and not yet settled, and settling them lets the next ones come', async () => {
    const admin = await open();
    await backlog(admin, 'prefetch', 30);
    const sent: Frame[] = [];
    const client = await recorded(sent);
    const consumer = await client.consume('prefetch', {
      group: 'g',
      start: 'earliest',
      prefetch: 10,
    });
    const held: Message[] = [];
    for (let n = 0; n < 10; n++) held.push((await consumer.next()).value as Message);
    // Nothing settled, so no credit went back: the broker, held to its credit [CONS-2], has
    // exactly these 10 in flight and sends no 11th.
    expect(credits(sent)).toEqual([]);
    expect(await admin.groups.info('prefetch', 'g')).toMatchObject({ pending: 10, lag: 20 });

    const eleventh = consumer.next();
    await Promise.all(held.map((message) => message.ack()));
    expect((await eleventh).value?.offset).toBe(10);
    // Credit comes back batched, never more than what was settled.
    expect(credits(sent).reduce((sum, credit) => sum + credit, 0)).toBe(10);
    expect(credits(sent).length).toBeLessThan(10);
    await consumer.stop();
  });
});

describe('stopping [CLIENT-2]', () => {
  it('confirms the acks issued in a for-await loop before the unsubscribe, and drain waits for them', async () => {
    const total = 5_000;
    const admin = await open();
    await backlog(admin, 'stop-acks', total);
    const first = await connect(url);
    const failures: unknown[] = [];
    const consumer = await first.consume('stop-acks', {
      group: 'g',
      start: 'earliest',
      ackTimeoutMs: 600_000,
      onError: (error) => failures.push(error),
    });
    let received = 0;
    for await (const message of consumer) {
      void message.ack();
      received += 1;
      if (received === total) break;
    }
    await first.drain();
    expect(failures).toEqual([]);
    expect(await admin.groups.info('stop-acks', 'g')).toMatchObject({ pending: 0, lag: 0 });

    // A second member gets the message produced after, not one of the 5,000 again.
    const second = await (await open()).consume('stop-acks', { group: 'g' });
    await admin.producer('stop-acks').produce(encoder.encode('after'));
    const next = (await second.next()).value as Message;
    expect([next.offset, next.text()]).toEqual([total, 'after']);
  });

  it('a handler-mode consumer drained by its client leaves nothing pending', async () => {
    const total = 2_000;
    const admin = await open();
    await backlog(admin, 'drain-handler', total);
    const client = await connect(url);
    let handled = 0;
    const done = new Promise<void>((resolve) => {
      void client.consume('drain-handler', {
        group: 'g',
        start: 'earliest',
        ackTimeoutMs: 600_000,
        handler: () => {
          handled += 1;
          if (handled === total) resolve();
        },
      });
    });
    await done;
    await client.drain();
    expect(await admin.groups.info('drain-handler', 'g')).toMatchObject({ pending: 0, lag: 0 });
  });
});

describe('failures [CLIENT-4]', () => {
  it('a handler-mode consumer reports the end of its subscription and the ack it could not send to its onError, and closed() resolves with the end', async () => {
    const admin = await open();
    await backlog(admin, 'ended', 1);
    const failures: [unknown, number | undefined][] = [];
    let reported!: () => void;
    const bothReported = new Promise<void>((resolve) => {
      reported = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let handling!: () => void;
    const handled = new Promise<void>((resolve) => {
      handling = resolve;
    });
    const consumer = await (await open()).consume('ended', {
      group: 'g',
      start: 'earliest',
      handler: async () => {
        handling();
        await released;
      },
      onError: (error, message) => {
        failures.push([error, message?.offset]);
        if (failures.length === 2) reported();
      },
    });
    await handled;
    await admin.groups.delete('ended', 'g', { force: true });
    const ended = await consumer.closed();
    expect(ended).toMatchObject({ code: 'SUBSCRIPTION_NOT_FOUND' });
    release();
    await bothReported;
    expect(failures).toEqual([
      [ended, undefined],
      [expect.objectContaining({ code: 'CONNECTION_CLOSED' }), 0],
    ]);
  });
});

describe('the server the client reports', () => {
  it('is the broker version from welcome', async () => {
    const require = createRequire(import.meta.url);
    const { version } = JSON.parse(
      readFileSync(require.resolve('@ferry/broker/package.json'), 'utf8'),
    ) as { version: string };
    const client = await open();
    expect(client.server.serverVersion).toBe(version);
    expect(client.server.serverName).not.toBe('');
  });
});
