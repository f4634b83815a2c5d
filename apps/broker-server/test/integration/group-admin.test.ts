import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { Deliveries } from '../support/deliveries.js';
import { expectError, expectType, type Requester } from '../support/requester.js';

const fixture = useBrokers();

const text = (s: string) => new TextEncoder().encode(s);

async function produce(r: Requester, station: string, n: number): Promise<void> {
  const messages = Array.from({ length: n }, (_, i) => ({ payload: text(`m${i}`) }));
  expectType(await r.request({ type: 'produce', station, messages }), 'produceAck');
}

async function groupNames(r: Requester, station: string): Promise<string[]> {
  const names: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = expectType(
      await r.request({
        type: 'groupList',
        station,
        limit: 2,
        ...(after === undefined ? {} : { after }),
      }),
      'groups',
    );
    names.push(...page.groups.map((g) => g.name));
    after = page.groups.at(-1)?.name;
    if (!page.more) return names;
  }
}

function groupDirs(b: BrokerProcess, station: string): string[] {
  return readdirSync(join(b.dataDir, 'stations', station, 'groups')).sort();
}

describe('consumer group administration', () => {
  it('[GROUP-3] group info counts per partition (cursor, lag, in flight) and the redeliveries waiting', async () => {
    const b = await fixture.broker();
    const { raw, requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 's', config: { partitions: 2 } });
    const messages = [0, 0, 0, 1, 1].map((partition, i) => ({ payload: text(`m${i}`), partition }));
    expectType(await r.request({ type: 'produce', station: 's', messages }), 'produceAck');
    expectType(
      await r.request({
        type: 'subscribe',
        sid: 3,
        station: 's',
        group: 'g',
        options: { start: { kind: 'earliest' }, credit: 3 },
      }),
      'subscribed',
    );
    const got = await new Deliveries(r).take(3, 3);
    // Ack the first of partition 0, nack one other (it waits for redelivery with no credit left).
    const [acked, nacked] = got;
    if (acked === undefined || nacked === undefined) throw new Error('expected deliveries');
    const ref = (m: typeof acked) => ({ partition: m.partition, offset: m.offset });
    expectType(await r.request({ type: 'ack', sid: 3, refs: [ref(acked)] }), 'ok');
    expectType(
      await r.request({ type: 'nack', sid: 3, refs: [ref(nacked)], delayMs: 60_000 }),
      'ok',
    );
    const info = expectType(
      await r.request({ type: 'groupInfo', station: 's', group: 'g' }),
      'group',
    ).info;
    expect(info.redeliveries).toBe(1);
    const parts = info.partitions ?? [];
    expect(parts.map((p) => p.partition)).toEqual([0, 1]);
    expect(parts.reduce((sum, p) => sum + p.lag, 0)).toBe(info.lag);
    expect(parts.reduce((sum, p) => sum + p.inFlight, 0)).toBe(info.pending);
    expect(info.pending).toBe(1);
    expect(info.lag).toBe(3);
    // The first delivery is the first message of its partition: acked, the cursor moves past it.
    expect(acked.offset).toBe(0);
    expect(parts[acked.partition]?.cursor).toBe(1);
    raw.close();
  });

  it('[GROUP-3] group info counts the dead letters of the group; station info lists its groups without partitions', async () => {
    const b = await fixture.broker();
    const { raw, requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 's', config: { partitions: 2 } });
    await produce(r, 's', 4);
    for (const group of ['g', 'h']) {
      const created = await r.request({
        type: 'groupCreate',
        station: 's',
        group,
        options: { start: { kind: 'earliest' } },
      });
      expectType(created, 'group');
    }
    const sid = 5;
    expectType(
      await r.request({
        type: 'subscribe',
        sid,
        station: 's',
        group: 'g',
        options: { credit: 3 },
      }),
      'subscribed',
    );
    const got = await new Deliveries(r).take(sid, 3);
    const refs = got.map((m) => ({ partition: m.partition, offset: m.offset }));
    const reply = await r.request({ type: 'deadLetter', sid, refs, reason: 'bad' });
    expectType(reply, 'ok');
    const info = async (group: string) =>
      expectType(await r.request({ type: 'groupInfo', station: 's', group }), 'group').info;
    expect((await info('g')).deadLetters).toBe(3);
    expect((await info('h')).deadLetters).toBe(0);
    const station = expectType(await r.request({ type: 'stationInfo', name: 's' }), 'station');
    expect(station.info.deadLetters).toBe(3);
    const groups = station.info.groups.map((g) => [g.name, g.deadLetters, g.partitions]);
    expect(groups).toEqual([
      ['g', 3, undefined],
      ['h', 0, undefined],
    ]);
    const page = expectType(await r.request({ type: 'dlsList', station: 's' }), 'dlsEntries');
    const first = page.entries[0]?.id ?? -1;
    expectType(await r.request({ type: 'dlsDrop', station: 's', ids: [first] }), 'ok');
    expect((await info('g')).deadLetters).toBe(2);
    raw.close();
  });

  it('[GROUP-1] groupCreate makes a group that keeps messages from its start until a member comes, and survives a restart', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 's', config: { partitions: 2 } });
    await produce(r, 's', 4);
    const created = expectType(
      await r.request({
        type: 'groupCreate',
        station: 's',
        group: 'audit',
        options: { start: { kind: 'earliest' }, ackTimeoutMs: 15_000, maxDeliveries: 9 },
      }),
      'group',
    ).info;
    expect(created).toEqual({
      name: 'audit',
      members: 0,
      pending: 0,
      lag: 4,
      ackTimeoutMs: 15_000,
      maxDeliveries: 9,
      ordering: 'none',
      redeliveries: 0,
      deadLetters: 0,
      partitions: [
        { partition: 0, cursor: 0, lag: 2, inFlight: 0 },
        { partition: 1, cursor: 0, lag: 2, inFlight: 0 },
      ],
    });
    // The same settings, or none, answer the group; others are GROUP_EXISTS.
    expectType(await r.request({ type: 'groupCreate', station: 's', group: 'audit' }), 'group');
    expectType(
      await r.request({
        type: 'groupCreate',
        station: 's',
        group: 'audit',
        options: { maxDeliveries: 9 },
      }),
      'group',
    );
    expect(
      expectError(
        await r.request({
          type: 'groupCreate',
          station: 's',
          group: 'audit',
          options: { ackTimeoutMs: 1000 },
        }),
      ).code,
    ).toBe('GROUP_EXISTS');
    expect(
      expectError(
        await r.request({
          type: 'groupCreate',
          station: 's',
          group: 'other',
          options: { maxDeliveries: 0 },
        }),
      ).code,
    ).toBe('INVALID_CONFIG');
    expect(
      expectError(await r.request({ type: 'groupCreate', station: 's', group: 'Bad!' })).code,
    ).toBe('INVALID_NAME');

    await fixture.stop(b);
    const again = await fixture.broker({ dataDir: b.dataDir });
    const c = await fixture.connect(again);
    const info = expectType(
      await c.requests.request({ type: 'groupInfo', station: 's', group: 'audit' }),
      'group',
    ).info;
    expect([info.lag, info.ackTimeoutMs, info.maxDeliveries]).toEqual([4, 15_000, 9]);
    await c.requests.request({
      type: 'subscribe',
      sid: 1,
      station: 's',
      group: 'audit',
      options: { credit: 10 },
    });
    const delivered = await new Deliveries(c.requests).take(1, 4);
    expect(delivered.map((m) => m.payload.length)).toHaveLength(4);
  });

  it('[GROUP-2] groupDelete is refused with members unless forced; forced, their subscriptions end; the group stays deleted after a restart', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 's' });
    await produce(r, 's', 3);
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
    await new Deliveries(member.requests).take(7, 3);
    expect(
      expectError(await r.request({ type: 'groupDelete', station: 's', group: 'g' })).code,
    ).toBe('GROUP_IN_USE');
    expectType(
      await r.request({ type: 'groupDelete', station: 's', group: 'g', force: true }),
      'ok',
    );
    const ended = expectError(await member.requests.nextUnsolicited());
    expect([ended.id, ended.code, ended.sid]).toEqual([0, 'SUBSCRIPTION_NOT_FOUND', 7]);
    // The member's subscription is gone: its acks are refused and its sid may be reused.
    expect(
      expectError(
        await member.requests.request({
          type: 'ack',
          sid: 7,
          refs: [{ partition: 0, offset: 0 }],
        }),
      ).code,
    ).toBe('SUBSCRIPTION_NOT_FOUND');
    expect(expectError(await r.request({ type: 'groupInfo', station: 's', group: 'g' })).code).toBe(
      'GROUP_NOT_FOUND',
    );
    expect(
      expectError(await r.request({ type: 'groupDelete', station: 's', group: 'g' })).code,
    ).toBe('GROUP_NOT_FOUND');
    expect(groupDirs(b, 's')).toEqual([]);

    // A group of the same name made later starts afresh.
    expectType(
      await r.request({
        type: 'groupCreate',
        station: 's',
        group: 'g',
        options: { start: { kind: 'earliest' } },
      }),
      'group',
    );
    expectType(await r.request({ type: 'groupDelete', station: 's', group: 'g' }), 'ok');
    await fixture.stop(b);
    const again = await fixture.broker({ dataDir: b.dataDir });
    const c = await fixture.connect(again);
    expect(await groupNames(c.requests, 's')).toEqual([]);
    const station = expectType(
      await c.requests.request({ type: 'stationInfo', name: 's' }),
      'station',
    ).info;
    expect(station.groups).toEqual([]);
  });

  it('[GROUP-3] groupList pages in name order; groupInfo answers one group; unknown stations and groups are coded errors', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 's' });
    for (const g of ['delta', 'alpha', 'echo', 'charlie', 'bravo'])
      expectType(await r.request({ type: 'groupCreate', station: 's', group: g }), 'group');
    expect(await groupNames(r, 's')).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo']);
    const info = expectType(
      await r.request({ type: 'groupInfo', station: 's', group: 'charlie' }),
      'group',
    ).info;
    expect(info.name).toBe('charlie');
    expect(
      expectError(await r.request({ type: 'groupInfo', station: 's', group: 'zulu' })).code,
    ).toBe('GROUP_NOT_FOUND');
    expect(expectError(await r.request({ type: 'groupList', station: 'nope' })).code).toBe(
      'STATION_NOT_FOUND',
    );
  });

  it('[LIMITS-2] a station holds at most stations.maxGroups groups; past it QUOTA_EXCEEDED creates nothing, by groupCreate or subscribe', async () => {
    const b = await fixture.broker({ args: ['--max-groups-per-station', '3'] });
    const { requests: r } = await fixture.connect(b);
    await r.request({ type: 'stationCreate', name: 's' });
    for (const g of ['a', 'b', 'c'])
      expectType(await r.request({ type: 'groupCreate', station: 's', group: g }), 'group');
    expect(
      expectError(await r.request({ type: 'groupCreate', station: 's', group: 'd' })).code,
    ).toBe('QUOTA_EXCEEDED');
    expect(
      expectError(
        await r.request({ type: 'subscribe', sid: 1, station: 's', group: 'e', options: {} }),
      ).code,
    ).toBe('QUOTA_EXCEEDED');
    expect(groupDirs(b, 's')).toEqual(['a', 'b', 'c']);
    // Existing groups are still joined, and a deleted one makes room.
    expectType(
      await r.request({ type: 'subscribe', sid: 2, station: 's', group: 'a', options: {} }),
      'subscribed',
    );
    expectType(await r.request({ type: 'groupDelete', station: 's', group: 'c' }), 'ok');
    expectType(await r.request({ type: 'groupCreate', station: 's', group: 'd' }), 'group');
  });
});
