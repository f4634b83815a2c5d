import { DEFAULT_LIMITS, type DeliveredMessage, encodeFrame } from '@ferry/protocol';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Message, type StatusEvent } from '../src/index.js';
import {
  closeClients,
  FakeBroker,
  nextStatus,
  openClient,
  type Script,
  until,
} from './support/fake-broker.js';

afterEach(closeClients);

const info = (name: string) => ({
  name,
  config: {},
  createdAt: 1,
  partitions: [],
  groups: [],
  deadLetters: 0,
});

/** Answers subscribe and unsubscribe, as a broker does. */
const subscriptions: Script = (frame) => {
  if (frame.type === 'subscribe')
    return [{ type: 'subscribed', id: frame.id, sid: frame.sid, partitions: 1 }];
  if (frame.type === 'unsubscribe') return [{ type: 'ok', id: frame.id }];
  return undefined;
};

function delivered(offset: number): DeliveredMessage {
  return {
    partition: 0,
    offset,
    timestamp: 1_700_000_000_000,
    deliveryCount: 1,
    payload: new TextEncoder().encode(`m${offset}`),
  };
}

describe('reconnect', () => {
  it('goes disconnected → reconnecting → connecting → connected, then carries on', async () => {
    const broker = new FakeBroker();
    const client = await openClient(broker);
    const events: StatusEvent['type'][] = [];
    client.onStatus((event) => events.push(event.type));
    broker.link.drop(new Error('reset'));
    await until(() => events.includes('connected'));
    expect(events).toEqual(['disconnected', 'reconnecting', 'connecting', 'connected']);
    expect(client.server.connectionId).toBe('c2');
    expect(await client.ping()).toBeGreaterThanOrEqual(0);
  });

  it('waits a full-jitter backoff between failed attempts and gives up after maxAttempts', async () => {
    const broker = new FakeBroker();
    const client = await openClient(broker, {
      reconnect: { initialDelayMs: 8, maxDelayMs: 20, maxAttempts: 4 },
      random: () => 0.5,
    });
    const delays: number[] = [];
    client.onStatus((event) => {
      if (event.type === 'reconnecting') delays.push(event.delayMs);
    });
    broker.refuse = new Error('ECONNREFUSED');
    broker.link.drop();
    const error = await client.closed();
    expect(delays).toEqual([4, 8, 10, 10]);
    expect(error).toMatchObject({
      code: 'CONNECTION_FAILED',
      message: expect.stringContaining('4 attempts'),
    });
    expect(client.connected).toBe(false);
  });

  it('stops reconnecting when the broker refuses for good (AUTH_FAILED)', async () => {
    const broker = new FakeBroker();
    const client = await openClient(broker);
    broker.helloError = { code: 'AUTH_FAILED', retriable: false };
    broker.link.drop();
    expect(await client.closed()).toMatchObject({ code: 'AUTH_FAILED' });
  });

  it('fails requests that were on the wire with CONNECTION_CLOSED and resends queued ones', async () => {
    const broker = new FakeBroker({
      script: (frame) =>
        frame.type === 'stationInfo' && frame.name !== 'lost'
          ? [{ type: 'station', id: frame.id, info: info(frame.name) }]
          : undefined,
    });
    const client = await openClient(broker, { reconnect: { initialDelayMs: 30, maxDelayMs: 30 } });
    const onWire = client.stations.info('lost');
    await until(() => broker.sent('stationInfo').length === 1);
    broker.link.drop();
    await expect(onWire).rejects.toMatchObject({ code: 'CONNECTION_CLOSED', retriable: true });
    // Disconnected now: this one waits in the outbox and goes out after the handshake.
    const queued = client.stations.info('queued');
    expect((await queued).name).toBe('queued');
    const frames = broker.link.received.map((frame) => frame.type);
    expect(frames.slice(0, 2)).toEqual(['hello', 'stationInfo']);
  });

  it('with reconnect off, a lost connection closes the client', async () => {
    const broker = new FakeBroker();
    const client = await openClient(broker, { reconnect: false });
    broker.link.drop(new Error('gone'));
    expect(await client.closed()).toMatchObject({ code: 'CONNECTION_CLOSED' });
  });

  it('bounds the outbox by frames and bytes: past either, BUFFER_FULL at once and nothing queued', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 40, max: 400 }),
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 20 }),
        async (maxFrames, maxBytes, nameLengths) => {
          const broker = new FakeBroker({
            script: (frame) =>
              frame.type === 'stationInfo'
                ? [{ type: 'station', id: frame.id, info: info(frame.name) }]
                : undefined,
          });
          const client = await openClient(broker, {
            buffer: { maxFrames, maxBytes },
            reconnect: { initialDelayMs: 1, maxDelayMs: 1 },
          });
          broker.refuse = new Error('down');
          broker.link.drop();
          await until(() => !client.connected);
          let frames = 0;
          let bytes = 0;
          const expected: ('queued' | 'full')[] = [];
          const calls = nameLengths.map((length) => {
            const name = 'n'.repeat(length);
            // Ids stay below 128 in one run, so each encodes in one byte like this one.
            const size = encodeFrame({ type: 'stationInfo', id: 1, name }, DEFAULT_LIMITS).length;
            const fits = frames + 1 <= maxFrames && bytes + size <= maxBytes;
            if (fits) {
              frames += 1;
              bytes += size;
            }
            expected.push(fits ? 'queued' : 'full');
            return client.stations.info(name).then(
              () => 'queued' as const,
              (error: { code: string }) =>
                error.code === 'BUFFER_FULL' ? ('full' as const) : error.code,
            );
          });
          broker.refuse = undefined;
          expect(await Promise.all(calls)).toEqual(expected);
          await client.close();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('resubscribes consumers after reconnecting', async () => {
    const broker = new FakeBroker({
      script: (frame) =>
        frame.type === 'subscribe'
          ? [{ type: 'subscribed', id: frame.id, sid: frame.sid, partitions: 1 }]
          : undefined,
    });
    const client = await openClient(broker);
    await client.consume('orders', { group: 'billing', prefetch: 7, start: 'earliest' });
    broker.link.drop();
    await until(() => broker.sent('subscribe').length === 2);
    const [first, second] = broker.sent('subscribe');
    expect(second).toMatchObject({
      station: 'orders',
      group: 'billing',
      options: { credit: 7, start: { kind: 'earliest' } },
    });
    expect(second?.sid).toBe(first?.sid);
    expect(broker.link.received.map((frame) => frame.type)).toEqual(['hello', 'subscribe']);
  });
});

describe('calls made while reconnecting', () => {
  it('consume waits for the next session instead of failing', async () => {
    const broker = new FakeBroker({ script: subscriptions });
    const client = await openClient(broker, { reconnect: { initialDelayMs: 30, maxDelayMs: 30 } });
    // Waiting on the event, not polling `connected`: on a loaded machine the 30 ms gap can
    // close between two polls.
    const disconnected = new Promise<void>((resolve) =>
      client.onStatus((event) => {
        if (event.type === 'disconnected') resolve();
      }),
    );
    broker.link.drop();
    await disconnected;
    const consumer = await client.consume('s', { group: 'g' });
    expect(client.connected).toBe(true);
    expect(broker.link.received.map((frame) => frame.type)).toEqual(['hello', 'subscribe']);
    await consumer.stop();
  });

  it('two readers of the status stream both see every event', async () => {
    const broker = new FakeBroker();
    const client = await openClient(broker);
    const stream = client.status();
    const [first, second] = [stream.next(), stream.next()];
    broker.link.drop();
    expect((await first).value).toMatchObject({ type: 'disconnected' });
    expect((await second).value).toMatchObject({ type: 'reconnecting' });
    await stream.return?.();
  });
});

describe('goingAway [CLIENT-5]', () => {
  /** Answers stationInfo at once, except for a station named `slow`: the test answers that. */
  const stations: Script = (frame) =>
    frame.type === 'stationInfo' && frame.name !== 'slow'
      ? [{ type: 'station', id: frame.id, info: info(frame.name) }]
      : undefined;

  it('an idle client closes the connection itself and reconnects after reconnectAfterMs', async () => {
    const broker = new FakeBroker();
    const client = await openClient(broker);
    const events: StatusEvent[] = [];
    client.onStatus((event) => events.push(event));
    const first = broker.link;
    const connected = nextStatus(client, 'connected');
    first.push({ type: 'goingAway', reason: 'restart', reconnectAfterMs: 25 });
    await connected;
    expect(events.map((event) => event.type)).toEqual([
      'goingAway',
      'disconnected',
      'reconnecting',
      'connecting',
      'connected',
    ]);
    expect(events[0]).toMatchObject({ reason: 'restart', reconnectAfterMs: 25 });
    expect(events[1]).toMatchObject({ error: undefined });
    expect(events[2]).toMatchObject({ delayMs: 25 });
    expect(first.closedByServer).toBe(false);
    expect(first.isOpen).toBe(false);
    expect(broker.link).not.toBe(first);
  });

  it('waits for the replies to what it sent; new requests wait in the outbox for the next connection', async () => {
    const broker = new FakeBroker({ script: stations });
    const client = await openClient(broker);
    const first = broker.link;
    const slow = client.stations.info('slow');
    await until(() => first.received.some((frame) => frame.type === 'stationInfo'));
    const goingAway = nextStatus(client, 'goingAway');
    first.push({ type: 'goingAway', reason: 'restart', reconnectAfterMs: 1 });
    await goingAway;
    const later = client.stations.info('later');
    const ping = client.ping();
    expect(first.isOpen).toBe(true);
    const disconnected = nextStatus(client, 'disconnected');
    const asked = first.received.find((frame) => frame.type === 'stationInfo');
    first.push({ type: 'station', id: asked?.id ?? 0, info: info('slow') });
    expect((await slow).name).toBe('slow');
    await disconnected;
    expect(first.closedByServer).toBe(false);
    expect(first.received.map((frame) => frame.type)).toEqual(['hello', 'stationInfo']);
    expect((await later).name).toBe('later');
    expect(await ping).toBeGreaterThanOrEqual(0);
    expect(broker.link.received.map((frame) => frame.type)).toEqual([
      'hello',
      'stationInfo',
      'ping',
    ]);
  });

  it('waits no longer than the request timeout for a reply that never comes', async () => {
    const broker = new FakeBroker({ script: stations });
    const client = await openClient(broker, { requestTimeoutMs: 20 });
    const first = broker.link;
    const slow = client.stations.info('slow');
    await until(() => first.received.length === 2);
    const disconnected = nextStatus(client, 'disconnected');
    first.push({ type: 'goingAway', reason: 'restart', reconnectAfterMs: 1 });
    await expect(slow).rejects.toMatchObject({ code: 'TIMEOUT' });
    await disconnected;
    expect(first.closedByServer).toBe(false);
  });

  it('bounds the requests it keeps meanwhile by the outbox limits (BUFFER_FULL past them)', async () => {
    const broker = new FakeBroker({ script: stations });
    const client = await openClient(broker, { buffer: { maxFrames: 1 } });
    const first = broker.link;
    const slow = client.stations.info('slow');
    await until(() => first.received.length === 2);
    const goingAway = nextStatus(client, 'goingAway');
    first.push({ type: 'goingAway', reason: 'restart', reconnectAfterMs: 1 });
    await goingAway;
    const kept = client.stations.info('kept');
    await expect(client.stations.info('refused')).rejects.toMatchObject({ code: 'BUFFER_FULL' });
    first.drop();
    await expect(slow).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    expect((await kept).name).toBe('kept');
  });

  it('tells consumers their session is over, and they subscribe again on the next one', async () => {
    const broker = new FakeBroker({ script: subscriptions });
    const client = await openClient(broker);
    await client.consume('orders', { group: 'billing' });
    const first = broker.link;
    const connected = nextStatus(client, 'connected');
    first.push({ type: 'goingAway', reason: 'restart', reconnectAfterMs: 1 });
    await connected;
    await until(() => broker.link.received.some((frame) => frame.type === 'subscribe'));
    expect(first.received.map((frame) => frame.type)).toEqual(['hello', 'subscribe']);
  });

  it('still sends the ack of a message handed out before, and closes only once it is confirmed; buffered ones are not handed out, no credit goes out, and new requests wait for the next connection', async () => {
    let ackArrived!: () => void;
    const acked = new Promise<void>((resolve) => {
      ackArrived = resolve;
    });
    // The first connection's acks are answered by the test; the next ones' at once.
    const broker = new FakeBroker({
      script: (frame, link) => {
        if (frame.type === 'ack' && link === broker.links[0]) {
          ackArrived();
          return undefined;
        }
        if (frame.type === 'ack') return [{ type: 'ok', id: frame.id }];
        return subscriptions(frame, link) ?? stations(frame, link);
      },
    });
    const client = await openClient(broker);
    // Prefetch 2: every settlement would give its credit back at once.
    const consumer = await client.consume('orders', { group: 'billing', prefetch: 2 });
    const first = broker.link;
    const sid = broker.sent('subscribe')[0]?.sid ?? 0;
    first.push({ type: 'deliver', sid, messages: [delivered(0), delivered(1)] });
    const taken = (await consumer.next()).value as Message;
    expect(taken.offset).toBe(0);
    const goingAway = nextStatus(client, 'goingAway');
    const disconnected = nextStatus(client, 'disconnected');
    first.push({ type: 'goingAway', reason: 'restart', reconnectAfterMs: 1 });
    await goingAway;
    // Offset 1 was buffered, not handed out: the broker redelivers it (CONS-8).
    const next = consumer.next();
    const later = client.stations.info('later');
    expect(first.isOpen).toBe(true);
    const ack = taken.ack();
    await acked;
    expect(first.isOpen).toBe(true);
    const sent = first.received.find((frame) => frame.type === 'ack');
    expect(sent).toMatchObject({ sid, refs: [{ partition: 0, offset: 0 }] });
    first.push({ type: 'ok', id: sent?.id ?? 0 });
    await ack;
    await disconnected;
    expect(first.closedByServer).toBe(false);
    expect(first.received.map((frame) => frame.type)).toEqual(['hello', 'subscribe', 'ack']);
    expect((await later).name).toBe('later');
    await until(() => broker.link.received.some((frame) => frame.type === 'subscribe'));
    const resubscribed = broker.link.received.find((frame) => frame.type === 'subscribe');
    broker.link.push({ type: 'deliver', sid: resubscribed?.sid ?? 0, messages: [delivered(2)] });
    expect(((await next).value as Message).offset).toBe(2);
  });

  it('a handler running at goingAway acks its message on the leaving connection, which then closes', async () => {
    const broker = new FakeBroker({
      script: (frame, link) =>
        frame.type === 'ack' ? [{ type: 'ok', id: frame.id }] : subscriptions(frame, link),
    });
    const client = await openClient(broker);
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handled: number[] = [];
    const errors: unknown[] = [];
    await client.consume('orders', {
      group: 'billing',
      handler: async (message) => {
        handled.push(message.offset);
        started();
        await released;
      },
      onError: (error) => errors.push(error),
    });
    const first = broker.link;
    const sid = broker.sent('subscribe')[0]?.sid ?? 0;
    first.push({ type: 'deliver', sid, messages: [delivered(0), delivered(1)] });
    await running;
    const goingAway = nextStatus(client, 'goingAway');
    const disconnected = nextStatus(client, 'disconnected');
    first.push({ type: 'goingAway', reason: 'restart', reconnectAfterMs: 1 });
    await goingAway;
    expect(first.isOpen).toBe(true);
    release();
    await disconnected;
    expect(first.closedByServer).toBe(false);
    expect(first.received.map((frame) => frame.type)).toEqual(['hello', 'subscribe', 'ack']);
    expect(first.received[2]).toMatchObject({ refs: [{ partition: 0, offset: 0 }] });
    expect(handled).toEqual([0]);
    expect(errors).toEqual([]);
  });

  it('reconnects to the next server of its list first', async () => {
    const brokers = { a: new FakeBroker(), b: new FakeBroker() };
    const listed = await connect(['ferry://a:1', 'ferry://b:2'], {
      transport: (options) => brokers[options.url.hostname as 'a' | 'b'].factory(options),
      reconnect: { initialDelayMs: 1, maxDelayMs: 4 },
    });
    try {
      expect(listed.server.url).toBe('ferry://a:1');
      const connected = nextStatus(listed, 'connected');
      brokers.a.link.push({ type: 'goingAway', reason: 'restart', reconnectAfterMs: 1 });
      expect(await connected).toMatchObject({ url: 'ferry://b:2' });
      expect(listed.server.url).toBe('ferry://b:2');
      expect(await listed.ping()).toBeGreaterThanOrEqual(0);
    } finally {
      await listed.close();
    }
  });
});
