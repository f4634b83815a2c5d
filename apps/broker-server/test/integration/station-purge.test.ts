/** Dropping a station's messages on request. [PURGE-1] */
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { Deliveries } from '../support/deliveries.js';
import { expectError, expectType, type Requester } from '../support/requester.js';

const fixture = useBrokers();
const text = (s: string) => new TextEncoder().encode(s);

async function produce(r: Requester, partition: number, n: number): Promise<void> {
  const messages = Array.from({ length: n }, (_, i) => ({ payload: text(`m${i}`), partition }));
  expectType(await r.request({ type: 'produce', station: 's', messages }), 'produceAck');
}

async function firsts(r: Requester): Promise<number[]> {
  const info = expectType(await r.request({ type: 'stationInfo', name: 's' }), 'station').info;
  return info.partitions.map((p) => p.firstOffset);
}

describe('stationPurge', () => {
  it('[PURGE-1] drops below an offset on one partition, then everything, and a restart keeps it', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 's', config: { partitions: 2 } });
    await produce(r, 0, 5);
    await produce(r, 1, 3);
    const one = await r.request({ type: 'stationPurge', name: 's', partition: 0, below: 2 });
    expect(expectType(one, 'ok').count).toBe(2);
    expect(await firsts(r)).toEqual([2, 0]);
    const page = expectType(
      await r.request({ type: 'browse', station: 's', partition: 0 }),
      'messages',
    );
    expect(page.messages.map((m) => m.offset)).toEqual([2, 3, 4]);
    expect(expectType(await r.request({ type: 'stationPurge', name: 's' }), 'ok').count).toBe(6);
    expect(await firsts(r)).toEqual([5, 3]);
    await fixture.stop(b);
    const restarted = await fixture.broker({ dataDir: b.dataDir });
    const { requests: again } = await fixture.connect(restarted);
    expect(await firsts(again)).toEqual([5, 3]);
  });

  it('[PURGE-1] a group below the new first offset continues from it; what it had in flight can still be settled', async () => {
    const b = await fixture.broker();
    const { raw, requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 's', config: { partitions: 1 } });
    await produce(r, 0, 4);
    const subscribed = await r.request({
      type: 'subscribe',
      sid: 1,
      station: 's',
      group: 'g',
      options: { start: { kind: 'earliest' }, credit: 1 },
    });
    expectType(subscribed, 'subscribed');
    const deliveries = new Deliveries(r);
    const [first] = await deliveries.take(1, 1);
    expect(first?.offset).toBe(0);
    expect(
      expectType(await r.request({ type: 'stationPurge', name: 's', below: 3 }), 'ok').count,
    ).toBe(3);
    expectType(await r.request({ type: 'ack', sid: 1, refs: [{ partition: 0, offset: 0 }] }), 'ok');
    raw.send({ type: 'credit', sid: 1, credit: 10 });
    const rest = await deliveries.take(1, 1);
    expect(rest.map((m) => m.offset)).toEqual([3]);
    const info = expectType(
      await r.request({ type: 'groupInfo', station: 's', group: 'g' }),
      'group',
    );
    expect(info.info.lag).toBe(0);
  });

  it('[PURGE-1] refuses an unknown station and a partition out of range', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 's', config: { partitions: 2 } });
    expect(expectError(await r.request({ type: 'stationPurge', name: 'nope' })).code).toBe(
      'STATION_NOT_FOUND',
    );
    expect(
      expectError(await r.request({ type: 'stationPurge', name: 's', partition: 2 })).code,
    ).toBe('PARTITION_OUT_OF_RANGE');
  });
});
