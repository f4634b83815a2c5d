import type { Frame, StoredMessage } from '@ferry/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { codecs } from '../src/index.js';
import { closeClients, FakeBroker, openClient } from './support/fake-broker.js';

afterEach(closeClients);

const T0 = 1_764_072_000_000;

function stored(offset: number): StoredMessage {
  return {
    offset,
    timestamp: T0 + offset * 10,
    payload: new TextEncoder().encode(JSON.stringify({ n: offset })),
    ...(offset % 2 === 0
      ? { headers: { n: String(offset) }, key: `k${offset}`, msgId: `m${offset}` }
      : {}),
  };
}

/**
 * A fake partition 1 holding offsets `first` until `end`, answering browse as BROWSE-1 says;
 * `grow` messages are appended after every page, as producers would.
 */
function partitionBroker(options: { first?: number; end: number; grow?: number }): FakeBroker {
  let end = options.end;
  const first = options.first ?? 0;
  return new FakeBroker({
    script: (frame): Frame[] | undefined => {
      if (frame.type !== 'browse') return undefined;
      if (frame.partition !== 1)
        return [
          {
            type: 'error',
            id: frame.id,
            code: 'PARTITION_OUT_OF_RANGE',
            number: 44,
            retriable: false,
            message: 'no such partition',
          },
        ];
      let from = Math.min(Math.max(frame.offset ?? first, first), end);
      if (frame.timestamp !== undefined)
        from = Math.max(first, Math.min(end, Math.ceil((frame.timestamp - T0) / 10)));
      const count = Math.min(frame.maxMessages ?? 1000, end - from);
      const messages = Array.from({ length: count }, (_, i) => stored(from + i));
      const reply: Frame = {
        type: 'messages',
        id: frame.id,
        partition: frame.partition,
        messages,
        next: from + count,
        end,
      };
      end += options.grow ?? 0;
      return [reply];
    },
  });
}

describe('stations.browse [BROWSE-1]', () => {
  it('sends where to start and how much, and returns the page with decoded messages', async () => {
    const broker = partitionBroker({ end: 10 });
    const client = await openClient(broker);
    const page = await client.stations.browse('orders', 1, {
      offset: 4,
      maxMessages: 2,
      maxBytes: 100,
      codec: codecs.json<{ n: number }>(),
    });
    expect(broker.sent('browse').at(-1)).toMatchObject({
      station: 'orders',
      partition: 1,
      offset: 4,
      maxMessages: 2,
      maxBytes: 100,
    });
    expect(broker.sent('browse').at(-1)?.timestamp).toBeUndefined();
    expect(page.next).toBe(6);
    expect(page.end).toBe(10);
    expect(page.messages.map((m) => [m.offset, m.data.n, m.partition, m.station])).toEqual([
      [4, 4, 1, 'orders'],
      [5, 5, 1, 'orders'],
    ]);
    const [even, odd] = page.messages;
    expect(even).toMatchObject({
      timestamp: T0 + 40,
      headers: { n: '4' },
      key: 'k4',
      msgId: 'm4',
    });
    expect(even?.text()).toBe('{"n":4}');
    expect(even?.json()).toEqual({ n: 4 });
    expect(odd).toMatchObject({ headers: {}, key: undefined, msgId: undefined });
  });

  it('sends a Date as ms since the epoch, and nothing when neither offset nor time is given', async () => {
    const broker = partitionBroker({ end: 10 });
    const client = await openClient(broker);
    const page = await client.stations.browse('orders', 1, { timestamp: new Date(T0 + 75) });
    expect(broker.sent('browse').at(-1)?.timestamp).toBe(T0 + 75);
    expect(page.messages[0]?.offset).toBe(8);
    expect(page.messages[0]?.payload).toBeInstanceOf(Uint8Array);
    await client.stations.browse('orders', 1);
    const plain = broker.sent('browse').at(-1);
    expect(plain?.offset).toBeUndefined();
    expect(plain?.timestamp).toBeUndefined();
    expect(plain?.maxMessages).toBeUndefined();
  });

  it('rejects with the broker error code', async () => {
    const client = await openClient(partitionBroker({ end: 3 }));
    await expect(client.stations.browse('orders', 7)).rejects.toMatchObject({
      code: 'PARTITION_OUT_OF_RANGE',
    });
  });
});

describe('stations.browseAll [BROWSE-1]', () => {
  async function offsets(iterable: AsyncIterable<{ offset: number }>): Promise<number[]> {
    const seen: number[] = [];
    for await (const message of iterable) seen.push(message.offset);
    return seen;
  }

  it('pages from the first retained message to the end the first page reported', async () => {
    const broker = partitionBroker({ first: 2, end: 9, grow: 3 });
    const client = await openClient(broker);
    const seen = await offsets(client.stations.browseAll('orders', 1, { maxMessages: 3 }));
    expect(seen).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(broker.sent('browse').map((frame) => frame.offset)).toEqual([undefined, 5, 8]);
    expect(broker.sent('browse').every((frame) => frame.maxMessages === 3)).toBe(true);
  });

  it('starts at an offset or a time, then continues by offset', async () => {
    const broker = partitionBroker({ end: 6 });
    const client = await openClient(broker);
    expect(
      await offsets(
        client.stations.browseAll('orders', 1, { from: { offset: 3 }, maxMessages: 2 }),
      ),
    ).toEqual([3, 4, 5]);
    expect(await offsets(client.stations.browseAll('orders', 1, { from: 4 }))).toEqual([4, 5]);
    const before = broker.sent('browse').length;
    expect(
      await offsets(
        client.stations.browseAll('orders', 1, { from: new Date(T0 + 15), maxMessages: 2 }),
      ),
    ).toEqual([2, 3, 4, 5]);
    const frames = broker.sent('browse').slice(before);
    expect(frames.map((f) => [f.offset, f.timestamp])).toEqual([
      [undefined, T0 + 15],
      [4, undefined],
    ]);
  });

  it('ends at once on an empty partition, and stops on an empty page rather than spinning', async () => {
    const client = await openClient(partitionBroker({ end: 0 }));
    expect(await offsets(client.stations.browseAll('orders', 1))).toEqual([]);
    const stuck = new FakeBroker({
      script: (frame) =>
        frame.type === 'browse'
          ? [{ type: 'messages', id: frame.id, partition: 1, messages: [], next: 3, end: 5 }]
          : undefined,
    });
    const other = await openClient(stuck);
    expect(await offsets(other.stations.browseAll('orders', 1))).toEqual([]);
    expect(stuck.sent('browse')).toHaveLength(1);
  });

  it('passes the error of a page on', async () => {
    const client = await openClient(partitionBroker({ end: 3 }));
    await expect(offsets(client.stations.browseAll('orders', 0))).rejects.toMatchObject({
      code: 'PARTITION_OUT_OF_RANGE',
    });
  });
});
