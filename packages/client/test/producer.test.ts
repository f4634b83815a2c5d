import type { Frame } from '@ferry/protocol';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ClosedError, codecs, TimeoutError } from '../src/index.js';
import { ackAll, closeClients, FakeBroker, openClient, until } from './support/fake-broker.js';

afterEach(closeClients);

const bytes = (n: number): Uint8Array => new Uint8Array(n);

describe('producer batching', () => {
  it('sends the produce calls of one tick as one frame, each resolving to its own ack', async () => {
    const broker = new FakeBroker({ script: ackAll() });
    const client = await openClient(broker);
    const producer = client.producer('orders');
    const acks = await Promise.all(
      Array.from({ length: 250 }, (_, n) => producer.produce(bytes(n % 7))),
    );
    expect(broker.sent('produce')).toHaveLength(1);
    expect(acks.map((ack) => ack.offset)).toEqual(Array.from({ length: 250 }, (_, n) => n));
    expect(acks[0]).toEqual({ partition: 0, offset: 0, duplicate: false, durability: 'always' });
  });

  it('cuts batches at maxBatchMessages and maxBatchBytes, keeping order, for any message sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 64, max: 512 }),
        fc.array(
          fc.record({
            payload: fc.integer({ min: 0, max: 64 }),
            key: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
          }),
          {
            minLength: 1,
            maxLength: 60,
          },
        ),
        async (maxBatchMessages, maxBatchBytes, messages) => {
          const broker = new FakeBroker({
            limits: { maxBatchMessages, maxBatchBytes },
            script: ackAll(),
          });
          const client = await openClient(broker);
          const producer = client.producer('s');
          const acks = await Promise.all(
            messages.map((message, index) =>
              producer.produce(bytes(message.payload), {
                msgId: String(index),
                ...(message.key === undefined ? {} : { key: message.key }),
              }),
            ),
          );
          const frames = broker.sent('produce');
          const flat = frames.flatMap((frame) => frame.messages.map((message) => message.msgId));
          expect(flat).toEqual(messages.map((_, index) => String(index)));
          for (const frame of frames) {
            expect(frame.messages.length).toBeLessThanOrEqual(maxBatchMessages);
            const size = frame.messages.reduce(
              (sum, message) =>
                sum + message.payload.length + new TextEncoder().encode(message.key ?? '').length,
              0,
            );
            if (frame.messages.length > 1) expect(size).toBeLessThanOrEqual(maxBatchBytes);
          }
          expect(acks.map((ack) => ack.offset)).toEqual(messages.map((_, index) => index));
          await client.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('holds a batch open for lingerMs', async () => {
    const broker = new FakeBroker({ script: ackAll() });
    const client = await openClient(broker);
    const producer = client.producer('s', { lingerMs: 20 });
    const first = producer.produce(bytes(1));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = producer.produce(bytes(1));
    await Promise.all([first, second]);
    expect(broker.sent('produce')).toHaveLength(1);
  });

  it('rejects a bad message alone, before it can spoil a batch', async () => {
    const broker = new FakeBroker({
      limits: { maxMessageBytes: 10, maxHeaderBytes: 4 },
      script: ackAll(),
    });
    const client = await openClient(broker);
    const producer = client.producer('s');
    const results = await Promise.allSettled([
      producer.produce(bytes(1)),
      producer.produce(bytes(11)),
      producer.produce(bytes(1), { headers: { long: 'value' } }),
      producer.produce(bytes(1)),
    ]);
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    expect(results[1]).toMatchObject({ reason: { code: 'MESSAGE_TOO_LARGE' } });
    expect(results[2]).toMatchObject({ reason: { code: 'LIMIT_EXCEEDED', field: 'headers.long' } });
    expect(broker.sent('produce').flatMap((frame) => frame.messages)).toHaveLength(2);
  });

  it('reports per-message broker errors in produceBatch without rejecting', async () => {
    const broker = new FakeBroker({
      script: (frame) =>
        frame.type === 'produce'
          ? [
              {
                type: 'produceAck',
                id: frame.id,
                durability: 'always',
                results: frame.messages.map((message, offset) =>
                  message.partition === 9
                    ? { kind: 'error', code: 'PARTITION_OUT_OF_RANGE', message: 'no partition 9' }
                    : { kind: 'ok', partition: 0, offset, duplicate: false },
                ),
              },
            ]
          : undefined,
    });
    const client = await openClient(broker);
    const results = await client
      .producer('s', { codec: codecs.text })
      .produceBatch([{ value: 'a' }, { value: 'b', partition: 9 }]);
    expect(results[0]).toMatchObject({ ok: true, ack: { offset: 0 } });
    expect(results[1]).toMatchObject({
      ok: false,
      error: { code: 'PARTITION_OUT_OF_RANGE', retriable: false },
    });
  });

  it('waits for room past maxInFlight instead of queueing without bound', async () => {
    const held: Extract<Frame, { type: 'produce' }>[] = [];
    const broker = new FakeBroker({
      script: (frame) => {
        if (frame.type === 'produce') held.push(frame);
        return undefined;
      },
    });
    const client = await openClient(broker);
    const producer = client.producer('s', { maxInFlight: 3 });
    const calls = Array.from({ length: 5 }, () => producer.produce(bytes(1)));
    await until(() => held.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(held[0]?.messages).toHaveLength(3);
    expect(producer.pending).toBe(3);
    const release = (frame: (typeof held)[number]): void =>
      broker.link.push({
        type: 'produceAck',
        id: frame.id,
        durability: 'always',
        results: frame.messages.map(() => ({
          kind: 'ok',
          partition: 0,
          offset: 0,
          duplicate: false,
        })),
      });
    release(held[0] as (typeof held)[number]);
    await until(() => held.length >= 2);
    for (const frame of held.slice(1)) release(frame);
    await until(() => held.flatMap((frame) => frame.messages).length === 5);
    for (const frame of held.slice(2)) release(frame);
    await Promise.all(calls);
    await producer.flush();
    expect(producer.pending).toBe(0);
  });

  it('re-sends messages with a msgId after a reconnect; fails those without', async () => {
    let dropped = false;
    const ack = ackAll();
    const broker = new FakeBroker({
      script: (frame, link) => {
        if (frame.type === 'produce' && !dropped) {
          dropped = true;
          link.drop();
          return undefined;
        }
        return ack(frame, link);
      },
    });
    const client = await openClient(broker);
    const producer = client.producer('s');
    const [withId, withoutId] = await Promise.allSettled([
      producer.produce(bytes(1), { msgId: 'a' }),
      producer.produce(bytes(1)),
    ]);
    expect(withId).toMatchObject({ status: 'fulfilled', value: { offset: 0 } });
    expect(withoutId).toMatchObject({ status: 'rejected', reason: { code: 'CONNECTION_CLOSED' } });
    expect(
      broker.sent('produce').map((frame) => frame.messages.map((message) => message.msgId)),
    ).toEqual([['a', undefined], ['a']]);
  });

  it('reports failures to onError for callers that do not await, without unhandled rejections', async () => {
    const broker = new FakeBroker({ limits: { maxMessageBytes: 1 }, script: ackAll() });
    const client = await openClient(broker, { requestTimeoutMs: 10 });
    const errors: string[] = [];
    const producer = client.producer('s', { onError: (error) => errors.push(error.code) });
    void producer.produce(bytes(5));
    broker.handler = () => undefined;
    void producer.produce(bytes(1));
    await until(() => errors.length === 2);
    expect(errors).toEqual(['MESSAGE_TOO_LARGE', 'TIMEOUT']);
  });

  it('a timeout is a TimeoutError, whether the message was still queued or sent', async () => {
    const broker = new FakeBroker({ script: () => undefined });
    const client = await openClient(broker);
    const producer = client.producer('s');
    const queued = producer.produce(bytes(1), { timeoutMs: 0 });
    const sent = producer.produce(bytes(1), { timeoutMs: 20 });
    await expect(queued).rejects.toBeInstanceOf(TimeoutError);
    await expect(sent).rejects.toBeInstanceOf(TimeoutError);
    await expect(sent).rejects.toMatchObject({ code: 'TIMEOUT', retriable: true });
  });
});

describe('producer.close()', () => {
  it('flushes what was produced, then refuses new messages with CLIENT_CLOSED', async () => {
    const held: Extract<Frame, { type: 'produce' }>[] = [];
    const broker = new FakeBroker({
      script: (frame) => {
        if (frame.type === 'produce') held.push(frame);
        return undefined;
      },
    });
    const client = await openClient(broker);
    const producer = client.producer('s');
    const produced = producer.produce(bytes(1));
    let closed = false;
    const closing = producer.close().then(() => {
      closed = true;
    });
    const refused = producer.produce(bytes(1));
    await expect(refused).rejects.toBeInstanceOf(ClosedError);
    await expect(refused).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    await until(() => held.length === 1);
    expect(closed).toBe(false);
    const [frame] = held;
    broker.link.push({
      type: 'produceAck',
      id: frame?.id ?? 0,
      durability: 'always',
      results: [{ kind: 'ok', partition: 0, offset: 0, duplicate: false }],
    });
    await closing;
    expect(await produced).toMatchObject({ offset: 0 });
    expect(broker.sent('produce')).toHaveLength(1);
    await expect(producer.produceBatch([{ value: bytes(1) }])).resolves.toEqual([
      { ok: false, error: expect.objectContaining({ code: 'CLIENT_CLOSED' }) },
    ]);
  });

  it('waits for calls still waiting for room under maxInFlight', async () => {
    const held: Extract<Frame, { type: 'produce' }>[] = [];
    const broker = new FakeBroker({
      script: (frame) => {
        if (frame.type === 'produce') held.push(frame);
        return undefined;
      },
    });
    const client = await openClient(broker);
    const producer = client.producer('s', { maxInFlight: 1 });
    const first = producer.produce(bytes(1));
    const second = producer.produce(bytes(1));
    let closed = false;
    const closing = producer.close().then(() => {
      closed = true;
    });
    const answer = (index: number): void =>
      broker.link.push({
        type: 'produceAck',
        id: held[index]?.id ?? 0,
        durability: 'always',
        results: [{ kind: 'ok', partition: 0, offset: index, duplicate: false }],
      });
    await until(() => held.length === 1);
    answer(0);
    await first;
    await until(() => held.length === 2);
    expect(closed).toBe(false);
    answer(1);
    await closing;
    expect(await second).toMatchObject({ offset: 1 });
  });
});
