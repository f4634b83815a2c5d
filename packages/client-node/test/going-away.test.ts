/**
 * goingAway against a real broker process [CLIENT-5]: a stopping broker tells its clients,
 * they finish and leave, and it exits without waiting out its shutdown grace.
 */
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import { afterEach, describe, expect, it } from 'vitest';
import { type Client, connect, type StatusEvent } from '../src/index.js';

/** Far longer than the test's own timeout: a broker that waits it out fails the test. */
const GRACE = ['--shutdown-grace-ms', '60000'];

const brokers: RunningBroker[] = [];
const clients: Client[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(brokers.splice(0).map((broker) => broker.kill()));
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
});
