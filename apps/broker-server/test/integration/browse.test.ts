/** Reading a partition without a consumer group. [BROWSE-1] */
import type { MessagesFrame } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { expectError, expectType, type Requester } from '../support/requester.js';

const fixture = useBrokers();
const text = (s: string) => new TextEncoder().encode(s);
const decoded = (page: MessagesFrame) =>
  page.messages.map((m) => [m.offset, new TextDecoder().decode(m.payload)]);

async function produce(r: Requester, payloads: string[]): Promise<void> {
  const messages = payloads.map((p) => ({ payload: text(p), partition: 0 }));
  expectType(await r.request({ type: 'produce', station: 's', messages }), 'produceAck');
}

async function browse(
  r: Requester,
  options: {
    partition?: number;
    offset?: number;
    timestamp?: number;
    maxMessages?: number;
    maxBytes?: number;
  } = {},
): Promise<MessagesFrame> {
  const frame = await r.request({ type: 'browse', station: 's', partition: 0, ...options });
  return expectType(frame, 'messages');
}

describe('browse', () => {
  it('[BROWSE-1] pages a partition in offset order until next reaches end, with every field', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 's', config: { partitions: 2 } });
    await produce(r, ['a', 'b', 'c']);
    expectType(
      await r.request({
        type: 'produce',
        station: 's',
        messages: [
          { payload: text('d'), partition: 0, headers: { h: 'v' }, key: 'k', msgId: 'id-d' },
        ],
      }),
      'produceAck',
    );
    const seen: (string | number)[][] = [];
    let offset = 0;
    for (;;) {
      const page = await browse(r, { offset, maxMessages: 3 });
      expect(page.end).toBe(4);
      seen.push(...decoded(page));
      offset = page.next;
      if (page.next === page.end) break;
    }
    expect(seen).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
      [3, 'd'],
    ]);
    const [last] = (await browse(r, { offset: 3 })).messages;
    expect(last).toMatchObject({ offset: 3, headers: { h: 'v' }, key: 'k', msgId: 'id-d' });
    expect(last?.timestamp).toBeGreaterThan(0);
    // The other partition is empty: nothing, and next is its end.
    expect(await browse(r, { partition: 1 })).toMatchObject({ messages: [], next: 0, end: 0 });
  });

  it('[BROWSE-1] clamps the offset to the partition, and starts from a time', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 's', config: { partitions: 1 } });
    await produce(r, ['old-1', 'old-2']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const since = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await produce(r, ['new-1', 'new-2']);
    expect(decoded(await browse(r, { timestamp: since }))).toEqual([
      [2, 'new-1'],
      [3, 'new-2'],
    ]);
    expect(await browse(r, { timestamp: Date.now() + 60_000 })).toMatchObject({
      messages: [],
      next: 4,
      end: 4,
    });
    expect(await browse(r, { offset: 99 })).toMatchObject({ messages: [], next: 4, end: 4 });
    expect(decoded(await browse(r, { maxMessages: 1 }))).toEqual([[0, 'old-1']]);
  });

  it('[BROWSE-1] stays within maxBytes beyond the first message, which always comes', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 's', config: { partitions: 1 } });
    await produce(r, ['x'.repeat(100), 'y'.repeat(100), 'z'.repeat(100)]);
    const one = await browse(r, { maxBytes: 10 });
    expect(one.messages.map((m) => m.offset)).toEqual([0]);
    expect(one.next).toBe(1);
    expect((await browse(r, { maxBytes: 150 })).messages.map((m) => m.offset)).toEqual([0, 1]);
  });

  it('[BROWSE-1] changes no group', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 's', config: { partitions: 1 } });
    await produce(r, ['a', 'b']);
    const created = await r.request({
      type: 'groupCreate',
      station: 's',
      group: 'g',
      options: { start: { kind: 'earliest' } },
    });
    expect(expectType(created, 'group').info.lag).toBe(2);
    expect(decoded(await browse(r))).toEqual([
      [0, 'a'],
      [1, 'b'],
    ]);
    const info = await r.request({ type: 'groupInfo', station: 's', group: 'g' });
    expect(expectType(info, 'group').info).toMatchObject({ lag: 2, pending: 0 });
  });

  it('[BROWSE-1] refuses an unknown station (creating none), a partition out of range, and an offset with a timestamp', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 's', config: { partitions: 2 } });
    const missing = await r.request({ type: 'browse', station: 'nope', partition: 0 });
    expect(expectError(missing).code).toBe('STATION_NOT_FOUND');
    expect(expectError(await r.request({ type: 'browse', station: 's', partition: 2 })).code).toBe(
      'PARTITION_OUT_OF_RANGE',
    );
    const both = await r.request({
      type: 'browse',
      station: 's',
      partition: 0,
      offset: 0,
      timestamp: 1,
    });
    expect(expectError(both).code).toBe('INVALID_FIELD');
  });
});
