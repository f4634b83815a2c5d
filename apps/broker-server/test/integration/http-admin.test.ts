/**
 * The HTTP API's admin routes against a real broker over undici: stations, groups, dead
 * letters and browsing, each answering as its frame does with the spec's status for each code,
 * and strict input (JSON bodies, Content-Type, digits-only query numbers, body size).
 * [GROUP-1] [GROUP-2] [GROUP-3] [GROUP-5] [BROWSE-1] [PURGE-1] [DLS-2] [DLS-3] [DLS-4]
 */
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { Deliveries } from '../support/deliveries.js';
import { api } from '../support/http-api.js';
import { expectType, type Requester } from '../support/requester.js';

const fixture = useBrokers();
const text = (s: string) => new TextEncoder().encode(s);

/** Three messages on partition 0 of a one-partition station, the second one binary. */
async function seeded(b: BrokerProcess, station = 'orders'): Promise<Requester> {
  const { requests } = await fixture.connect(b);
  const created = await requests.request({
    type: 'stationCreate',
    name: station,
    config: { partitions: 1 },
  });
  expectType(created, 'station');
  const messages = [
    { payload: text('first'), key: 'k-1', headers: { trace: 'abc' }, msgId: 'm-1' },
    { payload: new Uint8Array([0xff, 0x00, 0xfe]) },
    { payload: text('third') },
  ];
  expectType(await requests.request({ type: 'produce', station, messages }), 'produceAck');
  return requests;
}

describe('HTTP stations', () => {
  it('PUT creates a station with the body as config, again with the same settings answers 200 too, other settings STATION_EXISTS (409)', async () => {
    const b = await fixture.broker();
    const created = await api(b, 'PUT', '/stations/orders', {
      body: { partitions: 3, retention: { maxMessages: 100 } },
    });
    expect(created.status).toBe(200);
    expect(created.json.name).toBe('orders');
    expect(created.json.config.partitions).toBe(3);
    expect(created.json.config.retention).toEqual({ maxMessages: 100 });
    expect(created.json.partitions).toHaveLength(3);
    const again = await api(b, 'PUT', '/stations/orders', {
      body: { partitions: 3, retention: { maxMessages: 100 } },
    });
    expect(again.status).toBe(200);
    const other = await api(b, 'PUT', '/stations/orders', { body: { partitions: 2 } });
    expect([other.status, other.code]).toEqual([409, 'STATION_EXISTS']);
    expect(other.json.error.retriable).toBe(false);
    // No body: the broker's defaults.
    const plain = await api(b, 'PUT', '/stations/plain');
    expect(plain.status).toBe(200);
    expect(plain.json.config.partitions).toBe(1);
  });

  it('PUT refuses a bad name (INVALID_NAME), bad JSON, another Content-Type, an unknown or mistyped field (INVALID_FIELD), and creates nothing', async () => {
    const b = await fixture.broker();
    const refused = [
      [await api(b, 'PUT', '/stations/Orders'), 400, 'INVALID_NAME'],
      [
        await api(b, 'PUT', '/stations/a', { raw: '{"partitions":', type: 'application/json' }),
        400,
        'INVALID_FIELD',
      ],
      [
        await api(b, 'PUT', '/stations/a', { raw: '{"partitions":1}', type: 'text/plain' }),
        400,
        'INVALID_FIELD',
      ],
      [await api(b, 'PUT', '/stations/a', { raw: '{}' }), 400, 'INVALID_FIELD'],
      [await api(b, 'PUT', '/stations/a', { body: { partitons: 2 } }), 400, 'INVALID_FIELD'],
      [await api(b, 'PUT', '/stations/a', { body: { partitions: '2' } }), 400, 'INVALID_FIELD'],
      [await api(b, 'PUT', '/stations/a', { body: [1] }), 400, 'INVALID_FIELD'],
      [await api(b, 'PUT', '/stations/a', { body: { storage: 'disk' } }), 400, 'INVALID_FIELD'],
      [await api(b, 'PUT', '/stations/a', { body: { partitions: 0 } }), 400, 'INVALID_CONFIG'],
    ] as const;
    for (const [answer, status, code] of refused)
      expect([answer.status, answer.code]).toEqual([status, code]);
    expect(refused[4][0].json.error.message).toContain('body.partitons: unknown field');
    const list = await api(b, 'GET', '/stations');
    expect(list.json).toEqual({ stations: [], more: false });
  });

  it('a body over the admin limit is LIMIT_EXCEEDED (413), not read', async () => {
    const b = await fixture.broker();
    const big = JSON.stringify({ partitions: 1, pad: 'x'.repeat(70_000) });
    const answer = await api(b, 'PUT', '/stations/big', { raw: big, type: 'application/json' });
    expect([answer.status, answer.code]).toEqual([413, 'LIMIT_EXCEEDED']);
    expect((await api(b, 'GET', '/stations/big')).code).toBe('STATION_NOT_FOUND');
  });

  it('[LIMITS-1] GET /stations pages in name order with prefix, after and limit', async () => {
    const b = await fixture.broker();
    for (const name of ['orders.b', 'orders.a', 'orders.c', 'other'])
      expect((await api(b, 'PUT', `/stations/${name}`)).status).toBe(200);
    const first = await api(b, 'GET', '/stations?prefix=orders.&limit=2');
    expect(first.status).toBe(200);
    expect(first.json.stations.map((s: { name: string }) => s.name)).toEqual([
      'orders.a',
      'orders.b',
    ]);
    expect(first.json.more).toBe(true);
    const next = await api(b, 'GET', '/stations?prefix=orders.&limit=2&after=orders.b');
    expect(next.json.stations.map((s: { name: string }) => s.name)).toEqual(['orders.c']);
    expect(next.json.more).toBe(false);
    expect((await api(b, 'GET', '/stations')).json.stations).toHaveLength(4);
  });

  it('query numbers are digits only, parameters known and given once: else INVALID_FIELD (400)', async () => {
    const b = await fixture.broker();
    for (const query of [
      'limit=x',
      'limit=-1',
      'limit=1.0',
      'limit=1e3',
      'limit=',
      'limit=%201',
      'limit=0x10',
      'limit=4294967296',
      'limit=1&limit=2',
      'lmit=1',
    ]) {
      const answer = await api(b, 'GET', `/stations?${query}`);
      expect([query, answer.status, answer.code]).toEqual([query, 400, 'INVALID_FIELD']);
    }
    expect((await api(b, 'GET', '/stations?limit=007')).status).toBe(200);
  });

  it('GET answers the station, an unknown one STATION_NOT_FOUND (404)', async () => {
    const b = await fixture.broker();
    await seeded(b);
    const info = await api(b, 'GET', '/stations/orders');
    expect(info.status).toBe(200);
    expect(info.json.partitions).toEqual([
      { partition: 0, firstOffset: 0, nextOffset: 3, bytes: expect.any(Number) },
    ]);
    const missing = await api(b, 'GET', '/stations/nope');
    expect([missing.status, missing.code]).toEqual([404, 'STATION_NOT_FOUND']);
    expect(missing.json.error.message).toContain('nope');
  });

  it('PATCH changes the settings it names; fixed ones are INVALID_CONFIG, a missing body INVALID_FIELD, an unknown station STATION_NOT_FOUND', async () => {
    const b = await fixture.broker();
    await api(b, 'PUT', '/stations/orders', { body: { partitions: 2 } });
    const updated = await api(b, 'PATCH', '/stations/orders', {
      body: { maxDeliveries: 9, retention: { maxAgeMs: 60_000 } },
    });
    expect(updated.status).toBe(200);
    expect(updated.json.config.maxDeliveries).toBe(9);
    expect(updated.json.config.retention.maxAgeMs).toBe(60_000);
    expect(updated.json.config.partitions).toBe(2);
    const fixed = await api(b, 'PATCH', '/stations/orders', { body: { partitions: 3 } });
    expect([fixed.status, fixed.code]).toEqual([400, 'INVALID_CONFIG']);
    const none = await api(b, 'PATCH', '/stations/orders');
    expect([none.status, none.code]).toEqual([400, 'INVALID_FIELD']);
    const missing = await api(b, 'PATCH', '/stations/nope', { body: { maxDeliveries: 1 } });
    expect([missing.status, missing.code]).toEqual([404, 'STATION_NOT_FOUND']);
    expect((await api(b, 'GET', '/stations/orders')).json.config.maxDeliveries).toBe(9);
  });

  it('DELETE answers 204 and the station is gone; again, STATION_NOT_FOUND', async () => {
    const b = await fixture.broker();
    await seeded(b);
    const deleted = await api(b, 'DELETE', '/stations/orders');
    expect([deleted.status, deleted.text]).toEqual([204, '']);
    expect((await api(b, 'GET', '/stations/orders')).status).toBe(404);
    const again = await api(b, 'DELETE', '/stations/orders');
    expect([again.status, again.code]).toEqual([404, 'STATION_NOT_FOUND']);
  });

  it('[PURGE-1] POST purge drops messages below an offset, or all; answers how many', async () => {
    const b = await fixture.broker();
    await seeded(b);
    const below = await api(b, 'POST', '/stations/orders/purge', {
      body: { partition: 0, below: 2 },
    });
    expect([below.status, below.json]).toEqual([200, { dropped: 2 }]);
    const info = await api(b, 'GET', '/stations/orders');
    expect(info.json.partitions[0].firstOffset).toBe(2);
    const page = await api(b, 'GET', '/stations/orders/partitions/0/messages');
    expect(page.json.messages.map((m: { offset: number }) => m.offset)).toEqual([2]);
    const rest = await api(b, 'POST', '/stations/orders/purge');
    expect([rest.status, rest.json]).toEqual([200, { dropped: 1 }]);
    const range = await api(b, 'POST', '/stations/orders/purge', { body: { partition: 1 } });
    expect([range.status, range.code]).toEqual([400, 'PARTITION_OUT_OF_RANGE']);
    const bad = await api(b, 'POST', '/stations/orders/purge', { body: { below: -1 } });
    expect([bad.status, bad.code]).toEqual([400, 'INVALID_FIELD']);
    const missing = await api(b, 'POST', '/stations/nope/purge');
    expect([missing.status, missing.code]).toEqual([404, 'STATION_NOT_FOUND']);
  });
});

describe('HTTP consumer groups', () => {
  it('[GROUP-1] PUT creates a group with its start; the same again answers its info, other settings GROUP_EXISTS (409)', async () => {
    // Without auto-creation, so that an unknown station is STATION_NOT_FOUND.
    const b = await fixture.broker({ args: ['--no-auto-create-stations'] });
    await seeded(b);
    const created = await api(b, 'PUT', '/stations/orders/groups/billing', {
      body: { start: { kind: 'earliest' }, ackTimeoutMs: 5000, maxDeliveries: 3 },
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      name: 'billing',
      members: 0,
      pending: 0,
      lag: 3,
      ackTimeoutMs: 5000,
      maxDeliveries: 3,
    });
    const again = await api(b, 'PUT', '/stations/orders/groups/billing', {
      body: { ackTimeoutMs: 5000, maxDeliveries: 3 },
    });
    expect(again.status).toBe(200);
    const other = await api(b, 'PUT', '/stations/orders/groups/billing', {
      body: { ackTimeoutMs: 6000 },
    });
    expect([other.status, other.code]).toEqual([409, 'GROUP_EXISTS']);
    const latest = await api(b, 'PUT', '/stations/orders/groups/audit');
    expect([latest.status, latest.json.lag]).toEqual([200, 0]);
    const bad = await api(b, 'PUT', '/stations/orders/groups/x', {
      body: { start: { kind: 'first' } },
    });
    expect([bad.status, bad.code]).toEqual([400, 'INVALID_FIELD']);
    const missing = await api(b, 'PUT', '/stations/nope/groups/x');
    expect([missing.status, missing.code]).toEqual([404, 'STATION_NOT_FOUND']);
  });

  it('[GROUP-3] GET lists groups in name order a page at a time, and one group with its partitions; unknown ones GROUP_NOT_FOUND (404)', async () => {
    const b = await fixture.broker();
    await seeded(b);
    for (const g of ['c', 'a', 'b'])
      expect((await api(b, 'PUT', `/stations/orders/groups/${g}`)).status).toBe(200);
    const first = await api(b, 'GET', '/stations/orders/groups?limit=2');
    expect(first.json.groups.map((g: { name: string }) => g.name)).toEqual(['a', 'b']);
    expect(first.json.more).toBe(true);
    const next = await api(b, 'GET', '/stations/orders/groups?after=b');
    expect(next.json).toMatchObject({ groups: [{ name: 'c' }], more: false });
    const one = await api(b, 'GET', '/stations/orders/groups/a');
    expect(one.json.partitions).toEqual([{ partition: 0, cursor: 3, lag: 0, inFlight: 0 }]);
    const missing = await api(b, 'GET', '/stations/orders/groups/zz');
    expect([missing.status, missing.code]).toEqual([404, 'GROUP_NOT_FOUND']);
    const noStation = await api(b, 'GET', '/stations/nope/groups');
    expect([noStation.status, noStation.code]).toEqual([404, 'STATION_NOT_FOUND']);
    const badLimit = await api(b, 'GET', '/stations/orders/groups?limit=two');
    expect([badLimit.status, badLimit.code]).toEqual([400, 'INVALID_FIELD']);
  });

  it('[GROUP-2] DELETE is GROUP_IN_USE (409) while a member is subscribed, force=true deletes it (204)', async () => {
    const b = await fixture.broker();
    const requests = await seeded(b);
    await api(b, 'PUT', '/stations/orders/groups/g', { body: { start: { kind: 'earliest' } } });
    const sub = { type: 'subscribe', sid: 1, station: 'orders', group: 'g', options: {} } as const;
    expectType(await requests.request(sub), 'subscribed');
    const inUse = await api(b, 'DELETE', '/stations/orders/groups/g');
    expect([inUse.status, inUse.code]).toEqual([409, 'GROUP_IN_USE']);
    const notFlag = await api(b, 'DELETE', '/stations/orders/groups/g?force=yes');
    expect([notFlag.status, notFlag.code]).toEqual([400, 'INVALID_FIELD']);
    expect((await api(b, 'GET', '/stations/orders/groups/g')).json.members).toBe(1);
    const forced = await api(b, 'DELETE', '/stations/orders/groups/g?force=true');
    expect([forced.status, forced.text]).toEqual([204, '']);
    const ended = await requests.nextUnsolicited();
    expect(ended).toMatchObject({ type: 'error', code: 'SUBSCRIPTION_NOT_FOUND', sid: 1 });
    const gone = await api(b, 'DELETE', '/stations/orders/groups/g');
    expect([gone.status, gone.code]).toEqual([404, 'GROUP_NOT_FOUND']);
  });

  it("[GROUP-5] POST seek moves the group's cursor and answers its info; GROUP_IN_USE with members unless force, PARTITION_OUT_OF_RANGE, GROUP_NOT_FOUND", async () => {
    const b = await fixture.broker();
    const requests = await seeded(b);
    await api(b, 'PUT', '/stations/orders/groups/g', { body: { start: { kind: 'latest' } } });
    const back = await api(b, 'POST', '/stations/orders/groups/g/seek', {
      body: { to: { kind: 'offset', value: 1 } },
    });
    expect(back.status).toBe(200);
    expect(back.json).toMatchObject({
      name: 'g',
      lag: 2,
      partitions: [{ partition: 0, cursor: 1 }],
    });
    const sub = { type: 'subscribe', sid: 1, station: 'orders', group: 'g', options: {} } as const;
    expectType(await requests.request(sub), 'subscribed');
    const inUse = await api(b, 'POST', '/stations/orders/groups/g/seek', {
      body: { to: { kind: 'earliest' } },
    });
    expect([inUse.status, inUse.code]).toEqual([409, 'GROUP_IN_USE']);
    const forced = await api(b, 'POST', '/stations/orders/groups/g/seek', {
      body: { to: { kind: 'earliest' }, partition: 0, force: true },
    });
    expect([forced.status, forced.json.partitions[0].cursor]).toEqual([200, 0]);
    const range = await api(b, 'POST', '/stations/orders/groups/g/seek', {
      body: { to: { kind: 'earliest' }, partition: 4 },
    });
    expect([range.status, range.code]).toEqual([400, 'PARTITION_OUT_OF_RANGE']);
    const noTo = await api(b, 'POST', '/stations/orders/groups/g/seek', { body: {} });
    expect([noTo.status, noTo.code]).toEqual([400, 'INVALID_FIELD']);
    const noBody = await api(b, 'POST', '/stations/orders/groups/g/seek');
    expect([noBody.status, noBody.code]).toEqual([400, 'INVALID_FIELD']);
    const missing = await api(b, 'POST', '/stations/orders/groups/zz/seek', {
      body: { to: { kind: 'earliest' } },
    });
    expect([missing.status, missing.code]).toEqual([404, 'GROUP_NOT_FOUND']);
  });
});

describe('HTTP dead letters', () => {
  /** Two dead letters of group g: 'first' (UTF-8, with key, headers, msgId) and the binary one. */
  async function withDeadLetters(b: BrokerProcess): Promise<Requester> {
    const requests = await seeded(b);
    await api(b, 'PUT', '/stations/orders/groups/g', { body: { start: { kind: 'earliest' } } });
    const sub = {
      type: 'subscribe',
      sid: 1,
      station: 'orders',
      group: 'g',
      options: { credit: 2 },
    };
    expectType(await requests.request(sub as never), 'subscribed');
    const delivered = await new Deliveries(requests).take(1, 2);
    const refs = delivered.map((m) => ({ partition: 0, offset: m.offset }));
    expectType(await requests.request({ type: 'deadLetter', sid: 1, refs, reason: 'bad' }), 'ok');
    expectType(await requests.request({ type: 'unsubscribe', sid: 1 }), 'ok');
    return requests;
  }

  it('[DLS-2] GET lists entries in id order a page at a time, payloads as text or base64', async () => {
    const b = await fixture.broker();
    await withDeadLetters(b);
    const all = await api(b, 'GET', '/stations/orders/dead-letters');
    expect(all.status).toBe(200);
    const [first, second] = all.json.entries;
    expect(first).toMatchObject({
      group: 'g',
      reason: 'bad',
      partition: 0,
      offset: 0,
      deliveryCount: 1,
      key: 'k-1',
      msgId: 'm-1',
      headers: { trace: 'abc' },
      text: 'first',
    });
    expect(first.data).toBeUndefined();
    expect(second).toMatchObject({
      offset: 1,
      data: Buffer.from([0xff, 0, 0xfe]).toString('base64'),
    });
    expect(second.text).toBeUndefined();
    expect(typeof first.deadLetteredAt).toBe('number');
    const page = await api(b, 'GET', '/stations/orders/dead-letters?limit=1');
    expect([page.json.entries.length, page.json.more]).toEqual([1, true]);
    const rest = await api(b, 'GET', `/stations/orders/dead-letters?after=${first.id}`);
    expect(rest.json.entries.map((e: { id: number }) => e.id)).toEqual([second.id]);
    const other = await api(b, 'GET', '/stations/orders/dead-letters?group=other');
    expect(other.json).toEqual({ entries: [], more: false });
    const bad = await api(b, 'GET', '/stations/orders/dead-letters?after=1.5');
    expect([bad.status, bad.code]).toEqual([400, 'INVALID_FIELD']);
    const missing = await api(b, 'GET', '/stations/nope/dead-letters');
    expect([missing.status, missing.code]).toEqual([404, 'STATION_NOT_FOUND']);
  });

  it('[DLS-3] [DLS-4] POST resend and drop answer the count; ids none of which exists are DEAD_LETTER_NOT_FOUND (404)', async () => {
    const b = await fixture.broker();
    await withDeadLetters(b);
    const [first, second] = (await api(b, 'GET', '/stations/orders/dead-letters')).json.entries;
    const resent = await api(b, 'POST', '/stations/orders/dead-letters/resend', {
      body: { ids: [first.id] },
    });
    expect([resent.status, resent.json]).toEqual([200, { count: 1 }]);
    // A resent entry stays until its message is acknowledged.
    expect((await api(b, 'GET', '/stations/orders/groups/g')).json.redeliveries).toBe(1);
    const dropped = await api(b, 'POST', '/stations/orders/dead-letters/drop', {
      body: { ids: [first.id, second.id, 999] },
    });
    expect([dropped.status, dropped.json]).toEqual([200, { count: 2 }]);
    const none = await api(b, 'POST', '/stations/orders/dead-letters/drop', {
      body: { ids: [999] },
    });
    expect([none.status, none.code]).toEqual([404, 'DEAD_LETTER_NOT_FOUND']);
    const noneResent = await api(b, 'POST', '/stations/orders/dead-letters/resend', {
      body: { ids: [first.id] },
    });
    expect([noneResent.status, noneResent.code]).toEqual([404, 'DEAD_LETTER_NOT_FOUND']);
    for (const body of [{ ids: [] }, { ids: ['1'] }, {}, { ids: [1], more: true }]) {
      const bad = await api(b, 'POST', '/stations/orders/dead-letters/drop', { body });
      expect([bad.status, bad.code]).toEqual([400, 'INVALID_FIELD']);
    }
    const missing = await api(b, 'POST', '/stations/nope/dead-letters/drop', {
      body: { ids: [1] },
    });
    expect([missing.status, missing.code]).toEqual([404, 'STATION_NOT_FOUND']);
  });
});

describe('HTTP browse', () => {
  it('[BROWSE-1] GET messages answers a page in offset order as JSON, with next and end', async () => {
    const b = await fixture.broker();
    await seeded(b);
    const all = await api(b, 'GET', '/stations/orders/partitions/0/messages');
    expect(all.status).toBe(200);
    expect(all.json.next).toBe(3);
    expect(all.json.end).toBe(3);
    const [first, second, third] = all.json.messages;
    expect(first).toMatchObject({
      partition: 0,
      offset: 0,
      key: 'k-1',
      msgId: 'm-1',
      headers: { trace: 'abc' },
      text: 'first',
    });
    expect(typeof first.timestamp).toBe('number');
    expect(second).toMatchObject({ offset: 1, data: '/wD+' });
    expect(third).toMatchObject({ offset: 2, text: 'third' });
    const page = await api(b, 'GET', '/stations/orders/partitions/0/messages?maxMessages=1');
    expect([page.json.messages.length, page.json.next, page.json.end]).toEqual([1, 1, 3]);
    const on = await api(
      b,
      'GET',
      `/stations/orders/partitions/0/messages?offset=${page.json.next}&maxBytes=1`,
    );
    expect(on.json.messages.map((m: { offset: number }) => m.offset)).toEqual([1]);
    const later = await api(
      b,
      'GET',
      `/stations/orders/partitions/0/messages?timestamp=${third.timestamp + 60_000}`,
    );
    expect(later.json).toEqual({ messages: [], next: 3, end: 3 });
    // Browsing changed no group.
    expect((await api(b, 'GET', '/stations/orders')).json.groups).toEqual([]);
  });

  it('[BROWSE-1] both offset and timestamp, a bad number, a missing partition or station are refused', async () => {
    const b = await fixture.broker();
    await seeded(b);
    const refused = [
      ['/stations/orders/partitions/0/messages?offset=0&timestamp=0', 400, 'INVALID_FIELD'],
      ['/stations/orders/partitions/0/messages?offset=-1', 400, 'INVALID_FIELD'],
      ['/stations/orders/partitions/0/messages?maxMessages=ten', 400, 'INVALID_FIELD'],
      ['/stations/orders/partitions/0/messages?from=0', 400, 'INVALID_FIELD'],
      ['/stations/orders/partitions/x/messages', 400, 'INVALID_FIELD'],
      ['/stations/orders/partitions/-1/messages', 400, 'INVALID_FIELD'],
      ['/stations/orders/partitions/1/messages', 400, 'PARTITION_OUT_OF_RANGE'],
      ['/stations/nope/partitions/0/messages', 404, 'STATION_NOT_FOUND'],
    ] as const;
    for (const [path, status, code] of refused) {
      const answer = await api(b, 'GET', path);
      expect([path, answer.status, answer.code]).toEqual([path, status, code]);
    }
  });
});
