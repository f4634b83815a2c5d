/**
 * goingAway against a real broker process [CLIENT-5]: a stopping broker tells its clients,
 * they finish and leave (acking what their handlers were running), and it exits without
 * waiting out its shutdown grace.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import { afterEach, describe, expect, it } from 'vitest';
import { type Client, connect, type Message, type StatusEvent } from '../src/index.js';

/** Far longer than the test's own timeout: a broker that waits it out fails the test. */
const GRACE = ['--shutdown-grace-ms', '60000'];

const brokers: RunningBroker[] = [];
const clients: Client[] = [];
/** Data directories a test chose itself, to restart a broker on them; removed after it. */
const dataDirs: string[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(brokers.splice(0).map((broker) => broker.kill()));
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function broker(): Promise<RunningBroker> {
  const started = await startBroker({ args: GRACE });
  brokers.push(started);
  return started;
}

const url = (b: RunningBroker): string => `ferry://127.0.0.1:${b.tcpPort}`;

/** Stops `b` by its pid with SIGTERM; resolves once its process has exited. */
async function terminate(b: RunningBroker): Promise<void> {
  await b.stop();
  brokers.splice(brokers.indexOf(b), 1);
}

function nextStatus<T extends StatusEvent['type']>(
  client: Client,
  type: T,
): Promise<Extract<StatusEvent, { type: T }>> {
  return new Promise((resolve) => {
    const off = client.onStatus((event) => {
      if (event.type !== type) return;
      off();
      resolve(event as Extract<StatusEvent, { type: T }>);
    });
  });
}

describe('goingAway from a stopping broker [CLIENT-5]', () => {
  it('an idle client leaves at once, so the broker exits without waiting out its grace', async () => {
    const b = await broker();
    const client = await connect(url(b), { name: 'idle' });
    clients.push(client);
    const goingAway = nextStatus(client, 'goingAway');
    const disconnected = nextStatus(client, 'disconnected');
    // The grace is 60 s and this test times out long before: exiting is the client's doing.
    await terminate(b);
    expect(await goingAway).toMatchObject({ reason: 'shutdown' });
    expect(await disconnected).toMatchObject({ error: undefined });
  });

  it('with two servers, the client moves to the other one and its pending produce completes there', async () => {
    const [a, b] = [await broker(), await broker()];
    const admin = await connect(url(b));
    await admin.stations.create('orders');
    await admin.close();
    const client = await connect([url(a), url(b)], { name: 'mover' });
    clients.push(client);
    expect(client.server.url).toBe(new URL(url(a)).href);
    await client.stations.create('orders');
    const producer = client.producer('orders');
    const goingAway = nextStatus(client, 'goingAway');
    const moved = nextStatus(client, 'connected');
    const stopped = terminate(a);
    await goingAway;
    // Sent after goingAway: it waits in the outbox and goes to the next server.
    const ack = producer.produce(new TextEncoder().encode('after goingAway'));
    expect(await moved).toMatchObject({ url: new URL(url(b)).href, reconnected: true });
    expect(await ack).toMatchObject({ partition: 0, offset: 0, duplicate: false });
    await stopped;
  });

  it('a handler running when the broker stops acks its message on the leaving connection: after a restart the group has nothing pending and the message is not delivered again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ferry-going-away-'));
    dataDirs.push(dataDir);
    const first = await startBroker({ dataDir, args: GRACE });
    brokers.push(first);
    const client = await connect(url(first), { name: 'worker' });
    clients.push(client);
    await client.stations.create('jobs');
    const producer = client.producer('jobs');
    await producer.produce(new TextEncoder().encode('in progress'));
    await producer.close();

    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handled: string[] = [];
    const failures: unknown[] = [];
    await client.consume('jobs', {
      group: 'workers',
      start: 'earliest',
      // Far longer than the test: only the ack can settle the message.
      ackTimeoutMs: 600_000,
      handler: async (message) => {
        handled.push(message.text());
        started();
        await released;
      },
      onError: (error) => failures.push(error),
    });
    await running;

    const goingAway = nextStatus(client, 'goingAway');
    const disconnected = nextStatus(client, 'disconnected');
    // The grace is 60 s and this test times out long before: the broker exits once the
    // client, its handler done and its ack confirmed, has left.
    const stopped = terminate(first);
    await goingAway;
    release();
    expect(await disconnected).toMatchObject({ error: undefined });
    await stopped;
    expect(handled).toEqual(['in progress']);
    expect(failures).toEqual([]);
    await client.close();

    const second = await startBroker({ dataDir, args: GRACE });
    brokers.push(second);
    const admin = await connect(url(second));
    clients.push(admin);
    expect(await admin.groups.info('jobs', 'workers')).toMatchObject({ pending: 0, lag: 0 });
    // A new member of the group gets the message produced now, not the one acked on the way out.
    const consumer = await admin.consume('jobs', { group: 'workers' });
    await admin.producer('jobs').produce(new TextEncoder().encode('after the restart'));
    const next = (await consumer.next()).value as Message;
    expect([next.offset, next.text(), next.deliveryCount]).toEqual([1, 'after the restart', 1]);
  });
});
