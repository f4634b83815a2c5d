import type {
  DeliveredMessage,
  DlsEntriesFrame,
  Frame,
  StationFrame,
  SubscribeOptions,
} from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { Deliveries } from '../support/deliveries.js';
import type { RawClient } from '../support/raw-client.js';
import { expectError, expectType, type Requester } from '../support/requester.js';

const fixture = useBrokers();

function broker(dataDir?: string): Promise<BrokerProcess> {
  return fixture.broker(dataDir === undefined ? {} : { dataDir });
}

interface Client {
  r: Requester;
  d: Deliveries;
  raw: RawClient;
}

async function client(b: BrokerProcess): Promise<Client> {
  const { raw, requests } = await fixture.connect(b);
  return { r: requests, d: new Deliveries(requests), raw };
}

const text = (s: string) => new TextEncoder().encode(s);
const offsets = (ms: DeliveredMessage[]) => ms.map((m) => m.offset);
const counts = (ms: DeliveredMessage[]) => ms.map((m) => m.deliveryCount);

async function produce(r: Requester, station: string, n: number, prefix = 'm'): Promise<void> {
  const messages = Array.from({ length: n }, (_, i) => ({ payload: text(`${prefix}${i}`) }));
  expectType(await r.request({ type: 'produce', station, messages }), 'produceAck');
}

async function subscribe(
  c: Client,
  sid: number,
  station: string,
  group: string,
  options: SubscribeOptions,
): Promise<void> {
  const reply = await c.r.request({ type: 'subscribe', sid, station, group, options });
  expectType(reply, 'subscribed');
}

async function ack(c: Client, sid: number, ms: DeliveredMessage[]): Promise<Frame> {
  const refs = ms.map(({ partition, offset }) => ({ partition, offset }));
  return c.r.request({ type: 'ack', sid, refs });
}

async function dlsList(c: Client, station: string): Promise<DlsEntriesFrame> {
  return expectType(await c.r.request({ type: 'dlsList', station }), 'dlsEntries');
}

describe('consumer groups', () => {
  it('[CONS-1] a new group starts at earliest, latest (default), an offset, or the last N; an existing group keeps its position', async () => {
    const b = await broker();
    const c = await client(b);
    await c.r.request({ type: 'stationCreate', name: 's', config: { partitions: 1 } });
    await produce(c.r, 's', 5);
    await subscribe(c, 1, 's', 'e', { start: { kind: 'earliest' }, credit: 100 });
    await subscribe(c, 2, 's', 'l', { credit: 100 });
    await subscribe(c, 3, 's', 'o', { start: { kind: 'offset', value: 2 }, credit: 100 });
    await subscribe(c, 4, 's', 'n', { start: { kind: 'lastN', value: 2 }, credit: 100 });
    await subscribe(c, 5, 's', 'big', { start: { kind: 'offset', value: 99 }, credit: 100 });
    await produce(c.r, 's', 1, 'later');
    expect(offsets(await c.d.take(1, 6))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(offsets(await c.d.take(2, 1))).toEqual([5]);
    expect(offsets(await c.d.take(3, 4))).toEqual([2, 3, 4, 5]);
    expect(offsets(await c.d.take(4, 3))).toEqual([3, 4, 5]);
    expect(offsets(await c.d.take(5, 1))).toEqual([5]);
    // Rejoining with another start: the group resumes where it is.
    expectType(await c.r.request({ type: 'unsubscribe', sid: 2 }), 'ok');
    await subscribe(c, 6, 's', 'l', { start: { kind: 'earliest' }, credit: 100 });
    await produce(c.r, 's', 1, 'last');
    expect(offsets(await c.d.take(6, 2))).toEqual([5, 6]);
  });

  it('[CONS-2] never more in flight than granted credit; station info shows members, pending and lag', async () => {
    const b = await broker();
    const c = await client(b);
    await produce(c.r, 'c', 4);
    await subscribe(c, 1, 'c', 'g', { start: { kind: 'earliest' }, credit: 2 });
    const first = await c.d.take(1, 2);
    expect(offsets(first)).toEqual([0, 1]);
    expectType(await ack(c, 1, first), 'ok');
    const info = expectType(await c.r.request({ type: 'stationInfo', name: 'c' }), 'station');
    expect(info.info.groups).toEqual([
      expect.objectContaining({ name: 'g', members: 1, pending: 0, lag: 2 }),
    ]);
    c.r.client.send({ type: 'credit', sid: 1, credit: 1 });
    // The only delivery after the new credit is exactly one message.
    expect(offsets(await c.d.take(1, 1))).toEqual([2]);
    const after = (await c.r.request({ type: 'stationInfo', name: 'c' })) as StationFrame;
    expect(after.info.groups).toEqual([
      expect.objectContaining({ name: 'g', members: 1, pending: 1, lag: 1 }),
    ]);
  });

  it('[CONS-3] members of a group share its messages; every group gets every message', async () => {
    const b = await broker();
    const a = await client(b);
    const m = await client(b);
    await a.r.request({ type: 'stationCreate', name: 'w', config: { partitions: 2 } });
    await subscribe(a, 1, 'w', 'shared', { credit: 5 });
    await subscribe(m, 1, 'w', 'shared', { credit: 5 });
    await subscribe(a, 2, 'w', 'other', { credit: 100 });
    await produce(a.r, 'w', 10);
    const got = [...(await a.d.take(1, 5)), ...(await m.d.take(1, 5))];
    const ids = (ms: DeliveredMessage[]) => ms.map((x) => `${x.partition}/${x.offset}`).sort();
    expect(new Set(ids(got)).size).toBe(10);
    expect(ids(await a.d.take(2, 10))).toEqual(ids(got));
  });

  it('[CONS-4] one ack frame with valid and stale refs applies the valid ones and lists exactly the stale ones', async () => {
    const b = await broker();
    const c = await client(b);
    await subscribe(c, 1, 'mixed', 'g', { credit: 100 });
    await produce(c.r, 'mixed', 3);
    await c.d.take(1, 3);
    const staleA = { partition: 0, offset: 7 };
    const staleB = { partition: 1, offset: 0 };
    const error = expectError(
      await c.r.request({
        type: 'ack',
        sid: 1,
        refs: [{ partition: 0, offset: 0 }, staleA, { partition: 0, offset: 2 }, staleB],
      }),
    );
    expect([error.code, error.sid, error.refs]).toEqual([
      'MESSAGE_NOT_PENDING',
      1,
      [staleA, staleB],
    ]);
    // 0 and 2 were applied: acking them again is stale too; 1 is still in flight.
    const again = expectError(
      await c.r.request({
        type: 'ack',
        sid: 1,
        refs: [
          { partition: 0, offset: 0 },
          { partition: 0, offset: 1 },
          { partition: 0, offset: 2 },
        ],
      }),
    );
    expect(again.refs).toEqual([
      { partition: 0, offset: 0 },
      { partition: 0, offset: 2 },
    ]);
  });

  it('[CONS-4] [CONS-5] ack settles; nack redelivers with a higher delivery count; a delayed nack comes after an immediate one', async () => {
    const b = await broker();
    const c = await client(b);
    await subscribe(c, 1, 'n', 'g', { credit: 100 });
    await produce(c.r, 'n', 1);
    const [m] = await c.d.take(1, 1);
    expect(m?.deliveryCount).toBe(1);
    const refs = [{ partition: 0, offset: 0 }];
    expectType(await c.r.request({ type: 'nack', sid: 1, refs }), 'ok');
    expect(counts(await c.d.take(1, 1))).toEqual([2]);
    expectType(await c.r.request({ type: 'ack', sid: 1, refs }), 'ok');
    expect(expectError(await c.r.request({ type: 'ack', sid: 1, refs })).code).toBe(
      'MESSAGE_NOT_PENDING',
    );
    expect(expectError(await c.r.request({ type: 'ack', sid: 9, refs })).code).toBe(
      'SUBSCRIPTION_NOT_FOUND',
    );

    await produce(c.r, 'n', 2);
    expect(offsets(await c.d.take(1, 2))).toEqual([1, 2]);
    const one = [{ partition: 0, offset: 1 }];
    const two = [{ partition: 0, offset: 2 }];
    expectType(await c.r.request({ type: 'nack', sid: 1, refs: one, delayMs: 500 }), 'ok');
    expectType(await c.r.request({ type: 'nack', sid: 1, refs: two }), 'ok');
    const next = await c.d.take(1, 1);
    expect(offsets(next)).toEqual([2]);
    expect(offsets(await c.d.take(1, 1))).toEqual([1]);
  });

  it('[CONS-7] [DLS-1] [DLS-2] [DLS-3] [DLS-4] ack timeout redelivers; after maxDeliveries the message is dead-lettered once; resend and drop', async () => {
    const b = await broker();
    const c = await client(b);
    const config = { ackTimeoutMs: 1000, maxDeliveries: 2 };
    expectType(await c.r.request({ type: 'stationCreate', name: 'd', config }), 'station');
    await subscribe(c, 1, 'd', 'g', { credit: 100 });
    await produce(c.r, 'd', 1);
    expect(counts(await c.d.take(1, 1))).toEqual([1]);
    expect(counts(await c.d.take(1, 1))).toEqual([2]);
    let page = await dlsList(c, 'd');
    while (page.entries.length === 0) {
      await new Promise((r) => setTimeout(r, 100));
      page = await dlsList(c, 'd');
    }
    expect(page.entries).toMatchObject([
      { group: 'g', partition: 0, offset: 0, deliveryCount: 2, reason: 'max deliveries exceeded' },
    ]);
    const info = expectType(await c.r.request({ type: 'stationInfo', name: 'd' }), 'station');
    expect(info.info.deadLetters).toBe(1);
    expect(info.info.groups[0]).toMatchObject({ pending: 0, lag: 0 });

    const id = page.entries[0]?.id ?? -1;
    expect(await c.r.request({ type: 'dlsResend', station: 'd', ids: [id] })).toMatchObject({
      type: 'ok',
      count: 1,
    });
    const resent = await c.d.take(1, 1);
    expect(resent).toMatchObject([{ offset: 0, deliveryCount: 1 }]);
    expect(new TextDecoder().decode(resent[0]?.payload)).toBe('m0');
    // The entry leaves the store only once the resent message is acknowledged.
    expect((await dlsList(c, 'd')).entries.map((e) => e.id)).toEqual([id]);
    expectType(await ack(c, 1, resent), 'ok');
    expect((await dlsList(c, 'd')).entries).toEqual([]);

    await produce(c.r, 'd', 1);
    const bad = await c.d.take(1, 1);
    const refs = bad.map(({ partition, offset }) => ({ partition, offset }));
    expectType(await c.r.request({ type: 'deadLetter', sid: 1, refs, reason: 'bad order' }), 'ok');
    const [entry] = (await dlsList(c, 'd')).entries;
    expect(entry).toMatchObject({ offset: 1, reason: 'bad order', deliveryCount: 1 });
    const drop = { type: 'dlsDrop' as const, station: 'd', ids: [entry?.id ?? -1] };
    expect(await c.r.request(drop)).toMatchObject({ type: 'ok', count: 1 });
    expect((await dlsList(c, 'd')).entries).toEqual([]);
    expect(expectError(await c.r.request(drop)).code).toBe('DEAD_LETTER_NOT_FOUND');
  });

  it('[CONS-6] the cursor survives a restart: acked messages are not redelivered, unacked ones are', async () => {
    const first = await broker();
    let c = await client(first);
    await produce(c.r, 'r', 4);
    await subscribe(c, 1, 'r', 'g', { start: { kind: 'earliest' }, credit: 100 });
    const got = await c.d.take(1, 4);
    expectType(await ack(c, 1, got.slice(0, 2)), 'ok');
    await fixture.stop(first);
    const second = await broker(first.dataDir);
    c = await client(second);
    await subscribe(c, 1, 'r', 'g', { start: { kind: 'latest' }, credit: 100 });
    const again = await c.d.take(1, 2);
    expect(offsets(again)).toEqual([2, 3]);
    expect(counts(again)).toEqual([2, 2]);
  });

  it('[CONS-7] ackTimeoutMs and maxDeliveries given when the group is created outlive a restart', async () => {
    const first = await broker();
    let c = await client(first);
    await produce(c.r, 'o', 1);
    // The station's own settings are 30 s and 5 deliveries; the group's are 1 s and 2.
    await subscribe(c, 1, 'o', 'g', {
      start: { kind: 'earliest' },
      ackTimeoutMs: 1000,
      maxDeliveries: 2,
      credit: 10,
    });
    expect(counts(await c.d.take(1, 1))).toEqual([1]);
    // Leave at once, so the 1 s timeout does not run out during the broker's shutdown grace.
    c.raw.close();
    await fixture.stop(first);
    const second = await broker(first.dataDir);
    c = await client(second);
    await subscribe(c, 1, 'o', 'g', { credit: 10 });
    expect(counts(await c.d.take(1, 1))).toEqual([2]);
    // Not acked: past the group's maxDeliveries at its timeout, it is dead-lettered. With the
    // station's settings it would be redelivered after 30 s instead, well past this bounded wait.
    let page = await dlsList(c, 'o');
    for (let i = 0; i < 100 && page.entries.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      page = await dlsList(c, 'o');
    }
    expect(page.entries).toMatchObject([
      { group: 'g', offset: 0, deliveryCount: 2, reason: 'max deliveries exceeded' },
    ]);
  });

  it('[CONS-8] when a member disconnects its in-flight messages go to another member', async () => {
    const b = await broker();
    const a = await client(b);
    const m = await client(b);
    await subscribe(a, 1, 'x', 'g', { credit: 100 });
    await produce(a.r, 'x', 3);
    expect(offsets(await a.d.take(1, 3))).toEqual([0, 1, 2]);
    await subscribe(m, 7, 'x', 'g', { credit: 100 });
    a.raw.close();
    const moved = await m.d.take(7, 3);
    expect(offsets(moved)).toEqual([0, 1, 2]);
    expect(counts(moved)).toEqual([2, 2, 2]);
  });
});
