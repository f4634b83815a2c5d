/**
 * Consuming over HTTP against a real broker, with undici: pulls with receipts and their
 * settlement, and server-sent event streams with automatic or explicit acks, flow control and
 * resumption. [CONS-3] [CONS-4] [CONS-5] [CONS-7] [CONS-8] [SEC-5]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/token-hash.js';
import { useBrokers } from '../support/broker-fixture.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { expectType, type Requester } from '../support/requester.js';
import { useTempDirs } from '../support/temp-dir.js';

const fixture = useBrokers();
const tempDir = useTempDirs('http-consume');

interface Pulled {
  partition: number;
  offset: number;
  deliveryCount: number;
  text?: string;
  receipt: string;
}

async function call(
  b: BrokerProcess,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  token?: string,
) {
  const res = await request(`http://127.0.0.1:${b.httpPort}/v1${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: JSON.parse(text) as Record<string, unknown> };
}

async function produce(b: BrokerProcess, station: string, values: unknown[], token?: string) {
  for (let i = 0; i < values.length; i += 100) {
    const batch = values.slice(i, i + 100).map((value) => ({ value }));
    const res = await call(b, 'POST', `/stations/${station}/messages`, batch, token);
    expect(res.status).toBe(200);
  }
}

async function pull(
  b: BrokerProcess,
  station: string,
  group: string,
  body: Record<string, unknown>,
  token?: string,
): Promise<Pulled[]> {
  const res = await call(b, 'POST', `/stations/${station}/groups/${group}/pull`, body, token);
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json.messages as Pulled[];
}

function settle(
  b: BrokerProcess,
  station: string,
  group: string,
  kind: 'ack' | 'nack' | 'dead-letter',
  body: Record<string, unknown>,
  token?: string,
) {
  return call(b, 'POST', `/stations/${station}/groups/${group}/${kind}`, body, token);
}

/** A station with its group at earliest, made over the native protocol. */
async function setUp(
  b: BrokerProcess,
  station: string,
  group: string,
  options: { ackTimeoutMs?: number; partitions?: number } = {},
): Promise<Requester> {
  const { requests } = await fixture.connect(b);
  expectType(
    await requests.request({
      type: 'stationCreate',
      name: station,
      config: { partitions: options.partitions ?? 1 },
    }),
    'station',
  );
  expectType(
    await requests.request({
      type: 'groupCreate',
      station,
      group,
      options: {
        start: { kind: 'earliest' },
        ...(options.ackTimeoutMs === undefined ? {} : { ackTimeoutMs: options.ackTimeoutMs }),
      },
    }),
    'group',
  );
  return requests;
}

async function groupInfo(r: Requester, station: string, group: string) {
  return expectType(await r.request({ type: 'groupInfo', station, group }), 'group').info;
}

/** Group info once it no longer changes between a few looks (no time is asserted). */
async function settledInfo(r: Requester, station: string, group: string) {
  let last = '';
  let same = 0;
  for (;;) {
    const info = await groupInfo(r, station, group);
    const now = JSON.stringify([info.pending, info.lag, info.members]);
    same = now === last ? same + 1 : 0;
    last = now;
    if (same >= 4) return info;
    await new Promise((r) => setTimeout(r, 150));
  }
}

const key = (m: { partition: number; offset: number }) => `${m.partition}:${m.offset}`;

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** An event stream read with undici, event by event. */
async function openEvents(b: BrokerProcess, path: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const res = await request(`http://127.0.0.1:${b.httpPort}/v1${path}`, {
    method: 'GET',
    headers,
    signal: abort.signal,
  });
  const queue: SseEvent[] = [];
  let buffered = '';
  let ended = false;
  let wake: (() => void) | undefined;
  let reading: Promise<void> | undefined;
  // Nothing is read until the first event is asked for: a stream can be left unread.
  const read = async () => {
    try {
      for await (const chunk of res.body) {
        buffered += (chunk as Buffer).toString('utf8');
        let end = buffered.indexOf('\n\n');
        while (end >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const event: SseEvent = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(': ');
            const [name, value] = [line.slice(0, colon), line.slice(colon + 2)];
            if (name === 'id' || name === 'event' || name === 'data') event[name] = value;
          }
          if (event.event !== undefined) queue.push(event);
          end = buffered.indexOf('\n\n');
        }
        wake?.();
      }
    } catch {
      // Aborted by the test.
    } finally {
      ended = true;
      wake?.();
    }
  };
  return {
    status: res.statusCode,
    headers: res.headers,
    /** The next event; undefined once the stream ended. */
    async next(): Promise<SseEvent | undefined> {
      reading ??= read();
      for (;;) {
        const event = queue.shift();
        if (event !== undefined) return event;
        if (ended) return undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
    async message(): Promise<Pulled & { id: string }> {
      const event = await this.next();
      if (event?.event !== 'message')
        throw new Error(`expected a message, got ${JSON.stringify(event)}`);
      return { ...(JSON.parse(event.data ?? '') as Pulled), id: event.id ?? '' };
    },
    async close(): Promise<void> {
      abort.abort();
      await (reading ?? read());
    },
    async body(): Promise<string> {
      return JSON.stringify(await res.body.json());
    },
  };
}

describe('HTTP pull', () => {
  it('[CONS-3] [CONS-7] two clients pulling one group get each message once until its ack timeout, then again', async () => {
    const b = await fixture.broker();
    await setUp(b, 'jobs', 'workers', { ackTimeoutMs: 1000, partitions: 2 });
    await produce(
      b,
      'jobs',
      Array.from({ length: 40 }, (_, i) => i),
    );
    const seen: Pulled[][] = [[], []];
    const firsts = () => seen.flat().filter((m) => m.deliveryCount === 1).length;
    await Promise.all(
      [0, 1].map(async (client) => {
        while (firsts() < 40)
          seen[client]?.push(...(await pull(b, 'jobs', 'workers', { max: 3, waitMs: 200 })));
      }),
    );
    const all = seen.flat();
    // Each delivery of a message (its deliveryCount) went to one client only.
    const deliveries = all.map((m) => `${key(m)}#${m.deliveryCount}`);
    expect(new Set(deliveries).size).toBe(deliveries.length);
    expect(new Set(all.filter((m) => m.deliveryCount === 1).map(key)).size).toBe(40);
    // Nothing was acked: after the ack timeout they come again.
    const again = await pull(b, 'jobs', 'workers', { max: 5, waitMs: 20_000 });
    expect(again.length).toBeGreaterThan(0);
    for (const m of again) expect(m.deliveryCount).toBeGreaterThan(1);
  });

  it('[CONS-4] [CONS-7] a receipt of an earlier delivery is refused as MESSAGE_NOT_PENDING once the message was redelivered', async () => {
    const b = await fixture.broker();
    const r = await setUp(b, 's', 'g', { ackTimeoutMs: 300 });
    await produce(b, 's', ['only']);
    const [first] = await pull(b, 's', 'g', { waitMs: 20_000 });
    expect(first).toMatchObject({ offset: 0, deliveryCount: 1, text: '"only"' });
    let second: Pulled | undefined;
    while (second === undefined) [second] = await pull(b, 's', 'g', { waitMs: 20_000 });
    expect(second).toMatchObject({ offset: 0, deliveryCount: 2 });
    expect(second.receipt).not.toBe(first?.receipt);
    const stale = await settle(b, 's', 'g', 'ack', { receipts: [first?.receipt] });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({
      error: { code: 'MESSAGE_NOT_PENDING' },
      settled: 0,
      notPending: [first?.receipt],
    });
    // Nor does it settle anything in another group.
    const elsewhere = await settle(b, 's', 'other', 'ack', { receipts: [second.receipt] });
    expect(elsewhere.json).toMatchObject({ settled: 0, notPending: [second.receipt] });
    const ok = await settle(b, 's', 'g', 'ack', { receipts: [second.receipt] });
    expect(ok).toEqual({ status: 200, json: { settled: 1, notPending: [] } });
    // Settled once: the same receipt again settles nothing.
    expect((await settle(b, 's', 'g', 'ack', { receipts: [second.receipt] })).status).toBe(409);
    const info = await groupInfo(r, 's', 'g');
    expect([info.pending, info.lag]).toEqual([0, 0]);
    const garbage = await settle(b, 's', 'g', 'ack', { receipts: ['not-a-receipt'] });
    expect(garbage.status).toBe(400);
  });

  it('[CONS-5] nack redelivers at once, or after delayMs', async () => {
    const b = await fixture.broker();
    const r = await setUp(b, 's', 'g');
    await produce(b, 's', ['later', 'now']);
    const got = await pull(b, 's', 'g', { max: 2, waitMs: 20_000 });
    while (got.length < 2) got.push(...(await pull(b, 's', 'g', { max: 2, waitMs: 20_000 })));
    const [later, now] = got;
    const delayed = await settle(b, 's', 'g', 'nack', {
      receipts: [later?.receipt],
      delayMs: 600_000,
    });
    expect(delayed).toEqual({ status: 200, json: { settled: 1, notPending: [] } });
    expect((await settle(b, 's', 'g', 'nack', { receipts: [now?.receipt] })).status).toBe(200);
    const redelivered = await pull(b, 's', 'g', { max: 10, waitMs: 20_000 });
    expect(redelivered.map((m) => [m.offset, m.deliveryCount])).toEqual([[1, 2]]);
    const info = await groupInfo(r, 's', 'g');
    expect([info.pending, info.redeliveries]).toEqual([1, 1]);
    // Not before its delay.
    expect(await pull(b, 's', 'g', { waitMs: 300 })).toEqual([]);
  });

  it('dead-letter moves the messages to the dead-letter store with the reason', async () => {
    const b = await fixture.broker();
    const r = await setUp(b, 's', 'g');
    await produce(b, 's', ['poison']);
    const [m] = await pull(b, 's', 'g', { waitMs: 20_000 });
    const res = await settle(b, 's', 'g', 'dead-letter', {
      receipts: [m?.receipt],
      reason: 'cannot parse',
    });
    expect(res).toEqual({ status: 200, json: { settled: 1, notPending: [] } });
    const page = expectType(await r.request({ type: 'dlsList', station: 's' }), 'dlsEntries');
    expect(page.entries.map((e) => [e.group, e.offset, e.reason])).toEqual([
      ['g', 0, 'cannot parse'],
    ]);
    expect((await settle(b, 's', 'g', 'dead-letter', { receipts: [m?.receipt] })).status).toBe(400);
  });

  it('a long poll answers when a message arrives', async () => {
    const b = await fixture.broker();
    await setUp(b, 's', 'g');
    const waiting = pull(b, 's', 'g', { waitMs: 20_000 });
    // The pull is waiting on the group (its member joined) before the message is produced.
    const { requests } = await fixture.connect(b);
    while ((await groupInfo(requests, 's', 'g')).members === 0)
      await new Promise((r) => setTimeout(r, 20));
    await produce(b, 's', [{ hello: 'world' }]);
    const [m] = await waiting;
    expect(m).toMatchObject({ offset: 0, deliveryCount: 1, text: '{"hello":"world"}' });
    expect(await pull(b, 's', 'g', { waitMs: 0 })).toEqual([]);
  });

  it('bad bodies are refused', async () => {
    const b = await fixture.broker();
    await setUp(b, 's', 'g');
    for (const body of [{ max: 0 }, { waitMs: 999_999 }, { nope: 1 }, { max: 'x' }])
      expect((await call(b, 'POST', '/stations/s/groups/g/pull', body)).status).toBe(400);
    expect((await settle(b, 's', 'g', 'ack', { receipts: [] })).status).toBe(400);
    expect((await settle(b, 's', 'g', 'dead-letter', { receipts: ['x'] })).status).toBe(400);
  });
});

describe('HTTP event streams', () => {
  it('[CONS-3] ack=auto: every message once, acked as it is written', async () => {
    const b = await fixture.broker();
    const r = await setUp(b, 's', 'g', { partitions: 3 });
    await produce(
      b,
      's',
      Array.from({ length: 60 }, (_, i) => i),
    );
    const stream = await openEvents(b, '/stations/s/groups/g/events?ack=auto&prefetch=5');
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    const got: Array<Pulled & { id: string }> = [];
    while (got.length < 60) got.push(await stream.message());
    expect(new Set(got.map((m) => m.id)).size).toBe(60);
    for (const m of got) {
      expect(m.id).toBe(key(m));
      expect(m.deliveryCount).toBe(1);
    }
    const info = await settledInfo(r, 's', 'g');
    expect([info.pending, info.lag, info.members]).toEqual([0, 0, 1]);
    await stream.close();
    while ((await groupInfo(r, 's', 'g')).members > 0) await new Promise((r) => setTimeout(r, 20));
  });

  it('[CONS-8] ack=explicit: a stream dropped and resumed with Last-Event-ID loses nothing', async () => {
    const b = await fixture.broker();
    const r = await setUp(b, 's', 'g', { partitions: 2 });
    await produce(
      b,
      's',
      Array.from({ length: 30 }, (_, i) => i),
    );
    const acked = new Set<string>();
    const path = '/stations/s/groups/g/events?ack=explicit&prefetch=8';
    const first = await openEvents(b, path);
    const received: Array<Pulled & { id: string }> = [];
    // Ten processed and acked; two received but not acked when the connection drops.
    while (received.length < 12) {
      const m = await first.message();
      received.push(m);
      if (received.length > 10) continue;
      const res = await settle(b, 's', 'g', 'ack', { receipts: [m.receipt] });
      expect(res).toEqual({ status: 200, json: { settled: 1, notPending: [] } });
      acked.add(key(m));
    }
    await first.close();
    const last = received[received.length - 1]?.id ?? '';
    const second = await openEvents(b, path, { 'last-event-id': last });
    expect(second.status).toBe(200);
    const redelivered: Pulled[] = [];
    while (acked.size < 30) {
      const m = await second.message();
      expect(acked.has(key(m))).toBe(false);
      if (m.deliveryCount > 1) redelivered.push(m);
      const ok = await settle(b, 's', 'g', 'ack', { receipts: [m.receipt] });
      expect(ok.status).toBe(200);
      acked.add(key(m));
    }
    // The two left unacked came again, with a higher deliveryCount.
    for (const m of received.slice(10)) expect(redelivered.map(key)).toContain(key(m));
    // A receipt of the closed stream settles nothing.
    const stale = await settle(b, 's', 'g', 'ack', { receipts: [received[11]?.receipt] });
    expect(stale.status).toBe(409);
    const info = await settledInfo(r, 's', 'g');
    expect([info.pending, info.lag]).toEqual([0, 0]);
    await second.close();
  });

  it('[CONS-2] a reader that stops reading is flow-controlled: at most prefetch in flight, the rest left with the group', async () => {
    const b = await fixture.broker();
    const r = await setUp(b, 'big', 'g');
    expectType(
      await r.request({
        type: 'groupCreate',
        station: 'big',
        group: 'h',
        options: { start: { kind: 'earliest' } },
      }),
      'group',
    );
    const count = 1500;
    const payload = 'x'.repeat(16 * 1024);
    await produce(
      b,
      'big',
      Array.from({ length: count }, () => payload),
    );
    const prefetch = 20;
    // Opened and then not read: the socket's buffers fill, and the response stops draining.
    const stalled = await openEvents(
      b,
      `/stations/big/groups/g/events?ack=auto&prefetch=${prefetch}`,
    );
    const idle = await openEvents(b, '/stations/big/groups/h/events?ack=explicit&prefetch=7');
    const paused = stalled as unknown as { next(): Promise<SseEvent | undefined> };
    const info = await settledInfo(r, 'big', 'g');
    expect(info.pending).toBeLessThanOrEqual(prefetch);
    expect(info.lag).toBeGreaterThan(0);
    // Explicit acks: never more than prefetch unacknowledged.
    const h = await settledInfo(r, 'big', 'h');
    expect([h.pending, h.lag]).toEqual([7, count - 7]);
    // Read on: the rest comes.
    let read = 0;
    while (read < count) {
      const event = await paused.next();
      if (event?.event === 'message') read++;
    }
    const after = await settledInfo(r, 'big', 'g');
    expect([after.pending, after.lag]).toEqual([0, 0]);
    await stalled.close();
    await idle.close();
  });

  it('the stream ends with an end event SHUTTING_DOWN when the broker stops', async () => {
    const b = await fixture.broker();
    await setUp(b, 's', 'g');
    const stream = await openEvents(b, '/stations/s/groups/g/events');
    await produce(b, 's', ['one']);
    expect((await stream.message()).offset).toBe(0);
    await fixture.stop(b);
    const end = await stream.next();
    expect(end?.event).toBe('end');
    expect(JSON.parse(end?.data ?? '{}')).toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(await stream.next()).toBeUndefined();
  });

  it('[GROUP-2] a group deleted with force ends its streams and answers its waiting pulls', async () => {
    const b = await fixture.broker();
    const r = await setUp(b, 's', 'g');
    const stream = await openEvents(b, '/stations/s/groups/g/events');
    const waiting = pull(b, 's', 'g', { waitMs: 20_000 });
    while ((await groupInfo(r, 's', 'g')).members < 2) await new Promise((r) => setTimeout(r, 20));
    expectType(
      await r.request({ type: 'groupDelete', station: 's', group: 'g', force: true }),
      'ok',
    );
    expect(await waiting).toEqual([]);
    const end = await stream.next();
    expect(end?.event).toBe('end');
    expect(JSON.parse(end?.data ?? '{}')).toMatchObject({ code: 'SUBSCRIPTION_NOT_FOUND' });
    // The broker goes on: a new pull makes the group again.
    await produce(b, 's', ['after']);
    expect(await pull(b, 's', 'g', { waitMs: 0 })).toEqual([]);
  });

  it('bad query parameters are refused before the stream starts', async () => {
    const b = await fixture.broker();
    await setUp(b, 's', 'g');
    for (const query of ['ack=sometimes', 'prefetch=0', 'prefetch=x', 'lastEventId=abc']) {
      const stream = await openEvents(b, `/stations/s/groups/g/events?${query}`);
      expect(stream.status).toBe(400);
      expect(JSON.parse(await stream.body())).toMatchObject({ error: { code: 'INVALID_FIELD' } });
    }
  });
});

describe('HTTP consume permissions', () => {
  it('[SEC-5] pull, settle and event streams need consume on the station', async () => {
    const file = join(tempDir(), 'ferry.json');
    const tokens = [
      { name: 'root', hash: hashToken('token-of-root-0123456789') },
      {
        name: 'consumer',
        hash: hashToken('token-of-consumer-0123456789'),
        permissions: { allow: [{ actions: ['consume'], stations: ['orders.*'] }] },
      },
      {
        name: 'producer',
        hash: hashToken('token-of-producer-0123456789'),
        permissions: { allow: [{ actions: ['produce'], stations: ['orders.*'] }] },
      },
    ];
    writeFileSync(file, JSON.stringify({ auth: { tokens } }));
    const b = await fixture.broker({ args: ['--config', file] });
    const root = 'token-of-root-0123456789';
    const consumer = 'token-of-consumer-0123456789';
    const producer = 'token-of-producer-0123456789';
    await produce(b, 'orders.eu', ['a'], root);
    const path = '/stations/orders.eu/groups/g';
    const denied = await call(b, 'POST', `${path}/pull`, { waitMs: 0 }, producer);
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({ error: { code: 'NOT_AUTHORIZED' } });
    const stream = await openEvents(b, `${path}/events`, { authorization: `Bearer ${producer}` });
    expect(stream.status).toBe(403);
    expect(JSON.parse(await stream.body())).toMatchObject({ error: { code: 'NOT_AUTHORIZED' } });
    expect((await call(b, 'POST', `${path}/pull`, { waitMs: 0 })).status).toBe(401);
    // The consumer may: its group starts at latest, so a message produced now is its.
    expect((await call(b, 'POST', `${path}/pull`, { waitMs: 0 }, consumer)).status).toBe(200);
    await produce(b, 'orders.eu', ['b'], root);
    const [m] = await pull(b, 'orders.eu', 'g', { waitMs: 20_000 }, consumer);
    expect(m?.text).toBe('"b"');
    const refused = await settle(b, 'orders.eu', 'g', 'ack', { receipts: [m?.receipt] }, producer);
    expect(refused.status).toBe(403);
    const ok = await settle(b, 'orders.eu', 'g', 'ack', { receipts: [m?.receipt] }, consumer);
    expect(ok.status).toBe(200);
  });
});
