import type { DeliveredMessage, Frame } from '@ferry/protocol';
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
      onError: (error) => failures.push(error),
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

/** Offsets of every ref in the frames of `type` that clients sent. */
function settledOffsets(broker: FakeBroker, type: 'ack' | 'nack' | 'deadLetter'): number[] {
  return broker.sent(type).flatMap((frame) => frame.refs.map((ref) => ref.offset));
}

function credits(broker: FakeBroker): number[] {
  return broker.sent('credit').map((frame) => frame.credit);
}

async function take(
  consumer: { next(): Promise<IteratorResult<Message>> },
  count: number,
): Promise<Message[]> {
  const messages: Message[] = [];
  for (let n = 0; n < count; n++) messages.push((await consumer.next()).value as Message);
  return messages;
}

/** Answers settle frames only when the test calls `answer`; other frames as groupBroker does. */
function answeringLater(): { broker: FakeBroker; answer(): void } {
  const held: Frame[] = [];
  const broker = new FakeBroker({
    script: (frame) => {
      switch (frame.type) {
        case 'subscribe':
          return [{ type: 'subscribed', id: frame.id, sid: frame.sid, partitions: 1 }];
        case 'ack':
        case 'nack':
        case 'deadLetter':
          held.push({ type: 'ok', id: frame.id });
          return undefined;
        case 'unsubscribe':
          return [{ type: 'ok', id: frame.id }];
        default:
          return undefined;
      }
    },
  });
  return {
    broker,
    answer: () => {
      for (const reply of held.splice(0)) broker.link.push(reply);
    },
  };
}

function notPending(id: number, sid: number, refs: { partition: number; offset: number }[]): Frame {
  return {
    type: 'error',
    id,
    sid,
    code: 'MESSAGE_NOT_PENDING',
    number: 83,
    retriable: false,
    message: 'not in flight',
    refs,
  };
}

describe('prefetch counts the messages delivered and not settled [CLIENT-1]', () => {
  it('grants prefetch on subscribe and nothing back for messages taken but not settled', async () => {
    const broker = groupBroker();
    const client = await openClient(broker);
    const consumer = await client.consume('s', { group: 'g', prefetch: 10 });
    expect(broker.sent('subscribe')[0]?.options?.credit).toBe(10);
    deliver(broker, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const messages = await take(consumer, 10);
    const next = consumer.next();
    await client.ping();
    expect(credits(broker)).toEqual([]);
    await Promise.all(messages.slice(0, 5).map((message) => message.ack()));
    // Half the window settled: its credit goes back in one frame, after the acks.
    expect(credits(broker)).toEqual([5]);
    const types = broker.frames.map((frame) => frame.type);
    expect(types.indexOf('ack')).toBeLessThan(types.indexOf('credit'));
    deliver(broker, [10]);
    expect((await next).value?.offset).toBe(10);
  });

  it('counts buffered messages, and returns a small credit rather than starve', async () => {
    const broker = groupBroker();
    const client = await openClient(broker);
    const consumer = await client.consume('s', { group: 'g', prefetch: 10 });
    deliver(broker, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const first = await take(consumer, 3);
    await Promise.all(first.map((message) => message.ack()));
    // 7 still buffered: the broker has 10 in flight to this consumer, and gets no credit yet.
    expect(credits(broker)).toEqual([]);
    await take(consumer, 7);
    // The buffer ran dry with the broker out of credit: the 3 settled ones go back now.
    expect(credits(broker)).toEqual([3]);
  });

  it('returns credit whatever the answer: refused by the broker, or failing before it is sent', async () => {
    const broker = new FakeBroker({
      script: (frame) => {
        if (frame.type === 'subscribe')
          return [{ type: 'subscribed', id: frame.id, sid: frame.sid, partitions: 1 }];
        if (frame.type === 'ack') return [notPending(frame.id, frame.sid, frame.refs)];
        return undefined;
      },
    });
    const client = await openClient(broker);
    const consumer = await client.consume('s', { group: 'g', prefetch: 2, onError: () => {} });
    deliver(broker, [0, 1]);
    const [a, b] = await take(consumer, 2);
    await expect(a?.ack()).rejects.toMatchObject({ code: 'MESSAGE_NOT_PENDING' });
    const tooLong = 'x'.repeat(broker.limits.maxReasonBytes + 1);
    await expect(b?.deadLetter(tooLong)).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect(credits(broker)).toEqual([1, 1]);
  });

  it('starts the window over on the new subscription after a reconnect', async () => {
    const { broker, answer } = answeringLater();
    const client = await openClient(broker);
    const consumer = await client.consume('s', { group: 'g', prefetch: 4 });
    deliver(broker, [0, 1, 2, 3]);
    const old = await take(consumer, 4);
    broker.link.drop();
    await until(() => broker.sent('subscribe').length === 2 && client.connected);
    expect(broker.sent('subscribe')[1]?.options?.credit).toBe(4);
    await Promise.all(old.map((message) => message.ack().catch(() => undefined)));
    answer();
    deliver(broker, [0, 1, 2, 3]);
    const again = await take(consumer, 4);
    // Settlements of the dead session gave nothing back; these do.
    expect(credits(broker)).toEqual([]);
    for (const message of again) void message.ack();
    await until(() => credits(broker).length > 0);
    expect(credits(broker)).toEqual([4]);
  });
});

describe('stopping [CLIENT-2]', () => {
  it('sends the settlements of the turn and waits for their answers before it unsubscribes', async () => {
    const { broker, answer } = answeringLater();
    const client = await openClient(broker);
    const consumer = await client.consume('s', { group: 'g' });
    deliver(broker, [0, 1, 2]);
    for await (const message of consumer) {
      void message.ack();
      if (message.offset === 2) {
        const stopped = consumer.stop();
        await until(() => broker.sent('ack').length === 1);
        await client.ping();
        expect(broker.sent('unsubscribe')).toHaveLength(0);
        answer();
        await stopped;
        break;
      }
    }
    expect(settledOffsets(broker, 'ack')).toEqual([0, 1, 2]);
    expect(broker.frames.map((frame) => frame.type).filter((type) => type !== 'ping')).toEqual([
      'hello',
      'subscribe',
      'ack',
      'unsubscribe',
    ]);
  });

  it('client.drain() waits for the acks of a loop that was left', async () => {
    const { broker, answer } = answeringLater();
    const client = await openClient(broker);
    const consumer = await client.consume('s', { group: 'g' });
    deliver(broker, [0, 1]);
    const [a, b] = await take(consumer, 2);
    const acked = [a?.ack(), b?.ack()];
    const drained = client.drain();
    await until(() => broker.sent('ack').length === 1);
    answer();
    await drained;
    await Promise.all(acked);
    expect(broker.sent('unsubscribe')).toHaveLength(1);
  });
});

describe('handler mode [CLIENT-3]', () => {
  it('calls the handler for the next message without waiting for the previous ack to be confirmed', async () => {
    const { broker, answer } = answeringLater();
    const client = await openClient(broker);
    const handled: number[] = [];
    await client.consume('s', {
      group: 'g',
      handler: (message) => {
        handled.push(message.offset);
      },
    });
    deliver(broker, [0, 1, 2]);
    await until(() => handled.length === 3);
    await until(() => settledOffsets(broker, 'ack').length === 3);
    expect(handled).toEqual([0, 1, 2]);
    answer();
  });

  it('calls one handler at a time by default, in delivery order', async () => {
    const broker = groupBroker();
    const client = await openClient(broker);
    let running = 0;
    let most = 0;
    const handled: number[] = [];
    await client.consume('s', {
      group: 'g',
      handler: async (message) => {
        running += 1;
        most = Math.max(most, running);
        await Promise.resolve();
        handled.push(message.offset);
        running -= 1;
      },
    });
    deliver(broker, [0, 1, 2, 3]);
    await until(() => settledOffsets(broker, 'ack').length === 4);
    expect([most, handled]).toEqual([1, [0, 1, 2, 3]]);
  });
});

describe('every failure of a consumer goes to its onError [CLIENT-4]', () => {
  function refusingAcks(): FakeBroker {
    return new FakeBroker({
      script: (frame) => {
        if (frame.type === 'subscribe')
          return [{ type: 'subscribed', id: frame.id, sid: frame.sid, partitions: 1 }];
        if (frame.type === 'ack') return [notPending(frame.id, frame.sid, frame.refs)];
        if (frame.type === 'nack' || frame.type === 'unsubscribe')
          return [{ type: 'ok', id: frame.id }];
        return undefined;
      },
    });
  }

  it('handler mode: the automatic ack the broker refuses, with its message, and not on onStatus', async () => {
    const broker = refusingAcks();
    const client = await openClient(broker);
    const statusErrors: unknown[] = [];
    client.onStatus((event) => event.type === 'error' && statusErrors.push(event.error));
    const failures: [unknown, number | undefined][] = [];
    await client.consume('s', {
      group: 'g',
      handler: () => {},
      onError: (error, message) => failures.push([error, message?.offset]),
    });
    deliver(broker, [0]);
    await until(() => failures.length === 1);
    expect(failures[0]).toEqual([expect.objectContaining({ code: 'MESSAGE_NOT_PENDING' }), 0]);
    expect(statusErrors).toEqual([]);
  });

  it('handler mode: a handler that throws, and an ack it awaited and rethrew, once each', async () => {
    const broker = refusingAcks();
    const client = await openClient(broker);
    const failures: [unknown, number | undefined][] = [];
    await client.consume('s', {
      group: 'g',
      concurrency: 2,
      handler: async (message) => {
        if (message.offset === 0) throw new Error('cannot handle 0');
        await message.ack();
      },
      onError: (error, message) => failures.push([error, message?.offset]),
    });
    deliver(broker, [0, 1]);
    await until(() => failures.length === 2 && broker.sent('nack').length === 1);
    expect(failures).toEqual(
      expect.arrayContaining([
        [new Error('cannot handle 0'), 0],
        [expect.objectContaining({ code: 'MESSAGE_NOT_PENDING' }), 1],
      ]),
    );
    expect(settledOffsets(broker, 'nack')).toEqual([0]);
  });

  it('loop mode: an awaited ack rejects; one nobody waits on goes to onError', async () => {
    const broker = refusingAcks();
    const client = await openClient(broker);
    const failures: [unknown, number | undefined][] = [];
    const consumer = await client.consume('s', {
      group: 'g',
      onError: (error, message) => failures.push([error, message?.offset]),
    });
    deliver(broker, [0, 1]);
    const [kept, dropped] = await take(consumer, 2);
    void dropped?.ack();
    await expect(kept?.ack()).rejects.toMatchObject({ code: 'MESSAGE_NOT_PENDING' });
    await until(() => failures.length === 1);
    expect(failures[0]).toEqual([expect.objectContaining({ code: 'MESSAGE_NOT_PENDING' }), 1]);
  });

  it('without onError, a failure is an error event of client.onStatus', async () => {
    const broker = refusingAcks();
    const client = await openClient(broker);
    const statusErrors: unknown[] = [];
    client.onStatus((event) => event.type === 'error' && statusErrors.push(event.error));
    await client.consume('s', { group: 'g', handler: () => {} });
    deliver(broker, [0]);
    await until(() => statusErrors.length === 1);
    expect(statusErrors[0]).toMatchObject({ code: 'MESSAGE_NOT_PENDING' });
  });

  it('handler mode: the error that ends the subscription, also what closed() resolves with', async () => {
    const broker = groupBroker();
    const client = await openClient(broker);
    const failures: unknown[] = [];
    const consumer = await client.consume('s', {
      group: 'g',
      handler: () => {},
      onError: (error) => failures.push(error),
    });
    const sid = broker.sent('subscribe')[0]?.sid ?? 0;
    broker.link.push({
      type: 'error',
      id: 0,
      sid,
      code: 'SUBSCRIPTION_NOT_FOUND',
      number: 80,
      retriable: false,
      message: 'the group was deleted',
    });
    const ended = await consumer.closed();
    expect(ended).toMatchObject({ code: 'SUBSCRIPTION_NOT_FOUND' });
    expect(failures).toEqual([ended]);
  });
});

describe('subscribe options', () => {
  it('passes ordering to the subscribe frame', async () => {
    const broker = groupBroker();
    const client = await openClient(broker);
    await client.consume('s', { group: 'g', ordering: 'partition' });
    await client.consume('s', { group: 'h' });
    expect(broker.sent('subscribe').map((frame) => frame.options?.ordering)).toEqual([
      'partition',
      undefined,
    ]);
  });
});
