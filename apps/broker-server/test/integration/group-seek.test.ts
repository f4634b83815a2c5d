/** Moving a consumer group's cursor by hand. [GROUP-5] */
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { Deliveries } from '../support/deliveries.js';
import { expectError, expectType, type Requester } from '../support/requester.js';

const fixture = useBrokers();
const text = (s: string) => new TextEncoder().encode(s);

async function produce(r: Requester, n: number): Promise<void> {
  const messages = Array.from({ length: n }, (_, i) => ({ payload: text(`m${i}`), partition: 0 }));
  expectType(await r.request({ type: 'produce', station: 's', messages }), 'produceAck');
}

describe('groupSeek', () => {
  it('[GROUP-5] refused while members are subscribed; forced, it ends them and the group reads again from the start', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 's', config: { partitions: 1 } });
    await produce(r, 3);
    const member = await fixture.connect(b);
    expectType(
      await member.requests.request({
        type: 'subscribe',
        sid: 7,
        station: 's',
        group: 'g',
        options: { start: { kind: 'earliest' }, credit: 10 },
      }),
      'subscribed',
    );
    const got = await new Deliveries(member.requests).take(7, 3);
    const refs = got.map(({ partition, offset }) => ({ partition, offset }));
    expectType(await member.requests.request({ type: 'ack', sid: 7, refs }), 'ok');
    const seek = { type: 'groupSeek', station: 's', group: 'g', to: { kind: 'earliest' } } as const;
    expect(expectError(await r.request(seek)).code).toBe('GROUP_IN_USE');
    const info = expectType(await r.request({ ...seek, force: true }), 'group').info;
    expect(info).toMatchObject({ members: 0, pending: 0, lag: 3 });
    const ended = expectError(await member.requests.nextUnsolicited());
    expect([ended.code, ended.sid]).toEqual(['SUBSCRIPTION_NOT_FOUND', 7]);

    const again = await fixture.connect(b);
    expectType(
      await again.requests.request({
        type: 'subscribe',
        sid: 1,
        station: 's',
        group: 'g',
        options: { credit: 10 },
      }),
      'subscribed',
    );
    const redelivered = await new Deliveries(again.requests).take(1, 3);
    expect(redelivered.map((m) => [m.offset, m.deliveryCount])).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
  });

  it('[GROUP-5] moves one partition forward or to an offset, and refuses what does not exist', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 's', config: { partitions: 2 } });
    await produce(r, 5);
    expectType(
      await r.request({
        type: 'groupCreate',
        station: 's',
        group: 'g',
        options: { start: { kind: 'earliest' } },
      }),
      'group',
    );
    const seek = (
      to: { kind: 'earliest' | 'latest' | 'offset' | 'lastN'; value?: number },
      partition?: number,
    ) =>
      r.request({
        type: 'groupSeek',
        station: 's',
        group: 'g',
        to,
        ...(partition === undefined ? {} : { partition }),
      });
    expect(expectType(await seek({ kind: 'latest' }, 0), 'group').info.lag).toBe(0);
    expect(expectType(await seek({ kind: 'offset', value: 3 }, 0), 'group').info.lag).toBe(2);
    expect(expectType(await seek({ kind: 'lastN', value: 4 }), 'group').info.lag).toBe(4);
    expect(expectError(await seek({ kind: 'earliest' }, 2)).code).toBe('PARTITION_OUT_OF_RANGE');
    expect(
      expectError(
        await r.request({
          type: 'groupSeek',
          station: 's',
          group: 'nope',
          to: { kind: 'earliest' },
        }),
      ).code,
    ).toBe('GROUP_NOT_FOUND');
    expect(expectError(await seek({ kind: 'offset' })).code).toBe('INVALID_CONFIG');
  });

  it('[GROUP-5] [CONS-1] seeks to a time: from the first message appended at or after it', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 's', config: { partitions: 2 } });
    await produce(r, 4);
    const browsed = expectType(
      await r.request({ type: 'browse', station: 's', partition: 0 }),
      'messages',
    );
    const newest = Math.max(...browsed.messages.map((m) => m.timestamp));
    // Messages of one millisecond share a timestamp: the next ones come strictly later.
    while (Date.now() <= newest) await new Promise((done) => setTimeout(done, 1));
    const t = Date.now();
    await produce(r, 6);
    const created = await r.request({
      type: 'groupCreate',
      station: 's',
      group: 'since',
      options: { start: { kind: 'time', value: t } },
    });
    expect(expectType(created, 'group').info.lag).toBe(6);
    const seek = (value: number) =>
      r.request({ type: 'groupSeek', station: 's', group: 'since', to: { kind: 'time', value } });
    expect(expectType(await seek(0), 'group').info.lag).toBe(10);
    expect(expectType(await seek(t), 'group').info.lag).toBe(6);
    expect(expectType(await seek(Date.now() + 60_000), 'group').info.lag).toBe(0);
    expect(
      expectError(
        await r.request({
          type: 'groupSeek',
          station: 's',
          group: 'since',
          to: { kind: 'time' },
        }),
      ).code,
    ).toBe('INVALID_CONFIG');
  });
});
