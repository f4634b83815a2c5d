import type { DeliveredMessage } from '@ferry/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { codecs, type Message } from '../src/index.js';
import { closeClients, FakeBroker, openClient, until } from './support/fake-broker.js';

afterEach(closeClients);

/** A fake that confirms subscriptions and settles acks, nacks and dead letters with ok. */
function groupBroker(): FakeBroker {
  return new FakeBroker({
    script: (frame) => {
      switch (frame.type) {
        case 'subscribe':
          return [{ type: 'subscribed', id: frame.id, sid: frame.sid, partitions: 2 }];
        case 'ack':
        case 'nack':
        case 'deadLetter':
        case 'unsubscribe':
          return [{ type: 'ok', id: frame.id }];
        default:
          return undefined;
      }
    },
  });
}

function delivered(offset: number, body = `m${offset}`): DeliveredMessage {
  return {
    partition: offset % 2,
    offset,
    timestamp: 1_700_000_000_000 + offset,
    deliveryCount: 1,
    payload: new TextEncoder().encode(body),
    headers: { n: String(offset) },
    key: `k${offset}`,
  };
}

function deliver(broker: FakeBroker, offsets: number[]): void {
  const sid = broker.sent('subscribe').at(-1)?.sid ?? 0;
  broker.link.push({ type: 'deliver', sid, messages: offsets.map((offset) => delivered(offset)) });
}

describe('consumer', () => {
  it('grants prefetch as initial credit and returns credit as the application takes messages', async () => {
    const broker = groupBroker();
    const client = await openClient(broker);
    const consumer = await client.consume('s', { group: 'g', prefetch: 10 });
    expect(broker.sent('subscribe')[0]?.options?.credit).toBe(10);
    deliver(broker, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (let n = 0; n < 4; n++) await consumer.next();
    expect(broker.sent('credit')).toHaveLength(0);
    await consumer.next();
    expect(broker.sent('credit').map((frame) => frame.credit)).toEqual([5]);
  });

  it('exposes what was delivered, decodes with its codec and settles with the right frames', async () => {
    const broker = groupBroker();
    const client = await openClient(broker);
    const consumer = await client.consume('s', { group: 'g', codec: codecs.text });
    deliver(broker, [0, 1, 2]);
    const [a, b, c] = [await consumer.next(), await consumer.next(), await consumer.next()].map(
      (result) => result.value as Message<string>,
    );
    expect(a).toMatchObject({
      station: 's',
      group: 'g',
      partition: 0,
      offset: 0,
      deliveryCount: 1,
      headers: { n: '0' },
      key: 'k0',
    });
    expect([a?.data, a?.text(), a?.timestamp]).toEqual(['m0', 'm0', 1_700_000_000_000]);
    await a?.ack();
    await b?.nack({ delayMs: 250 });
    await c?.deadLetter('bad input');
    expect(broker.sent('ack')[0]?.refs).toEqual([{ partition: 0, offset: 0 }]);
    expect(broker.sent('nack')[0]).toMatchObject({
      refs: [{ partition: 1, offset: 1 }],
      delayMs: 250,
    });
    expect(broker.sent('deadLetter')[0]).toMatchObject({
      refs: [{ partition: 0, offset: 2 }],
      reason: 'bad input',
    });
    expect(a?.settled).toBe(true);
    expect(a?.ack()).toBe(a?.ack());
    expect(broker.sent('ack')).toHaveLength(1);
  });

  it('turns a message from a dead session into CONNECTION_CLOSED, and drops its unread buffer', async () => {
    const broker = groupBroker();
    const client = await openClient(broker);
    const consumer = await client.consume('s', { group: 'g' });
    deliver(broker, [0, 1]);
    const first = (await consumer.next()).value as Message;
    broker.link.drop();
    await until(() => broker.sent('subscribe').length === 2 && client.connected);
    await expect(first.ack()).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    deliver(broker, [1]);
    const redelivered = (await consumer.next()).value as Message;
    expect(redelivered.offset).toBe(1);
    await redelivered.ack();
  });

  it('a pending next() rejects with ABORTED when the signal fires, and the consumer unsubscribes', async () => {
    const broker = groupBroker();
    const client = await openClient(broker);
    const controller = new AbortController();
    const consumer = await client.consume('s', { group: 'g', signal: controller.signal });
    const pending = consumer.next();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    expect((await consumer.next()).done).toBe(true);
    await until(() => broker.sent('unsubscribe').length === 1);
  });

  it('breaking out of for-await stops the consumer', async () => {
    const broker = groupBroker();
    const client = await openClient(broker);
    const consumer = await client.consume('s', { group: 'g' });
    deliver(broker, [0, 1, 2]);
    for await (const message of consumer) {
      await message.ack();
      break;
    }
    await until(() => broker.sent('unsubscribe').length === 1);
    expect(await consumer.closed()).toBeUndefined();
  });

  it('handler mode acks on return, nacks on throw, and keeps to its concurrency', async () => {
    const broker = groupBroker();
    const client = await openClient(broker);
    let running = 0;
    let most = 0;
    const failures: unknown[] = [];
    await client.consume('s', {
      group: 'g',
      concurrency: 2,
      onHandlerError: (error) => failures.push(error),
      handler: async (message) => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
        if (message.offset === 3) throw new Error('cannot handle 3');
      },
    });
    deliver(broker, [0, 1, 2, 3, 4, 5]);
    const settled = (type: 'ack' | 'nack'): number[] =>
      broker.sent(type).flatMap((frame) => frame.refs.map((ref) => ref.offset));
    await until(() => settled('ack').length + settled('nack').length === 6);
    expect(most).toBe(2);
    expect(settled('nack')).toEqual([3]);
    expect(settled('ack').sort()).toEqual([0, 1, 2, 4, 5]);
    expect(failures).toHaveLength(1);
  });

  it('drain lets running handlers finish and ack before unsubscribing and closing', async () => {
    const broker = groupBroker();
    const client = await openClient(broker);
    let finished = false;
    await client.consume('s', {
      group: 'g',
      handler: async () => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        finished = true;
      },
    });
    deliver(broker, [0, 1]);
    await until(() => broker.frames.length > 0 && broker.sent('ack').length === 0);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await client.drain();
    expect(finished).toBe(true);
    const order = broker.frames
      .map((frame) => frame.type)
      .filter((type) => type === 'ack' || type === 'unsubscribe');
    expect(order).toEqual(['ack', 'unsubscribe']);
    expect(await client.closed()).toBeUndefined();
  });

  it('ends the iterator with the error when the broker ends the subscription', async () => {
    const broker = groupBroker();
    const client = await openClient(broker);
    const consumer = await client.consume('s', { group: 'g' });
    const sid = broker.sent('subscribe')[0]?.sid ?? 0;
    const pending = consumer.next();
    broker.link.push({
      type: 'error',
      id: 0,
      sid,
      code: 'STATION_NOT_FOUND',
      number: 40,
      retriable: false,
      message: 'deleted',
    });
    await expect(pending).rejects.toMatchObject({ code: 'STATION_NOT_FOUND' });
    expect(await consumer.closed()).toMatchObject({ code: 'STATION_NOT_FOUND' });
  });

  it('an un-awaited ack that fails raises no unhandled rejection but is visible when awaited', async () => {
    const broker = new FakeBroker({
      script: (frame) =>
        frame.type === 'subscribe'
          ? [{ type: 'subscribed', id: frame.id, sid: frame.sid, partitions: 1 }]
          : frame.type === 'ack'
            ? [
                {
                  type: 'error',
                  id: frame.id,
                  code: 'MESSAGE_NOT_PENDING',
                  number: 83,
                  retriable: false,
                  message: 'late',
                },
              ]
            : undefined,
    });
    const client = await openClient(broker);
    const consumer = await client.consume('s', { group: 'g' });
    deliver(broker, [0]);
    const message = (await consumer.next()).value as Message;
    void message.ack();
    await expect(message.ack()).rejects.toMatchObject({ code: 'MESSAGE_NOT_PENDING' });
  });
});

describe('drain with a deadline', () => {
  it('closes at once and rejects with TIMEOUT when handlers take too long', async () => {
    const broker = groupBroker();
    const client = await openClient(broker);
    await client.consume('s', {
      group: 'g',
      handler: () => new Promise(() => undefined),
    });
    deliver(broker, [0]);
    await until(() => broker.link.received.length > 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await expect(client.drain({ timeoutMs: 20 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(await client.closed()).toBeUndefined();
    expect(client.connected).toBe(false);
  });

  it('a producer flush ends its wait on abort, not its messages', async () => {
    const broker = groupBroker();
    const client = await openClient(broker);
    const producer = client.producer('s');
    const produced = producer.produce(new Uint8Array(1));
    const controller = new AbortController();
    const flushed = producer.flush({ signal: controller.signal });
    controller.abort();
    await expect(flushed).rejects.toMatchObject({ code: 'ABORTED' });
    expect(producer.pending).toBe(1);
    await client.close();
    await expect(produced).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
  });
});

describe('settling in batches', () => {
  it('sends the acks of one turn as one frame', async () => {
    const broker = groupBroker();
    const client = await openClient(broker);
    const consumer = await client.consume('s', { group: 'g' });
    deliver(broker, [0, 1, 2, 3]);
    const messages = [];
    for (let n = 0; n < 4; n++) messages.push((await consumer.next()).value as Message);
    await Promise.all([
      messages[0]?.ack(),
      messages[1]?.ack(),
      messages[2]?.nack(),
      messages[3]?.ack(),
    ]);
    expect(broker.sent('ack').map((frame) => frame.refs.map((ref) => ref.offset))).toEqual([
      [0, 1, 3],
    ]);
    expect(broker.sent('nack').map((frame) => frame.refs.map((ref) => ref.offset))).toEqual([[2]]);
  });

  it('fails only the messages the broker names as not pending [CONS-4]', async () => {
    const broker = new FakeBroker({
      script: (frame) => {
        if (frame.type === 'subscribe')
          return [{ type: 'subscribed', id: frame.id, sid: frame.sid, partitions: 2 }];
        if (frame.type !== 'ack') return undefined;
        const stale = frame.refs.filter((ref) => ref.offset % 2 === 1);
        return stale.length === 0
          ? [{ type: 'ok', id: frame.id }]
          : [
              {
                type: 'error',
                id: frame.id,
                code: 'MESSAGE_NOT_PENDING',
                number: 83,
                retriable: false,
                message: 'stale',
                sid: frame.sid,
                refs: stale,
              },
            ];
      },
    });
    const client = await openClient(broker);
    const consumer = await client.consume('s', { group: 'g' });
    deliver(broker, [0, 1, 2, 3]);
    const messages: Message[] = [];
    for (let n = 0; n < 4; n++) messages.push((await consumer.next()).value as Message);
    const outcomes = await Promise.allSettled(messages.map((message) => message.ack()));
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
    ]);
    expect(outcomes[1]).toMatchObject({
      reason: { code: 'MESSAGE_NOT_PENDING', message: expect.stringContaining('1/1') },
    });
    expect(broker.sent('ack')).toHaveLength(1);
  });
});
