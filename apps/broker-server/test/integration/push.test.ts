import { afterEach, describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { type BrokerProcess, removeDataDir, startBroker } from '../support/broker-process.js';
import { type Receiver, startReceiver } from '../support/push-receiver.js';
import { expectError, expectType, type Requester } from '../support/requester.js';

const fixture = useBrokers();
const receivers: Receiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

/** Short retry delays, so that failing endpoints are retried within a test. */
const FAST_RETRIES = [
  '--push-retry-min-ms',
  '10',
  '--push-retry-max-ms',
  '100',
  '--shutdown-grace-ms',
  '200',
];
const SECRET = 'whsec_test_0123456789';

const text = (s: string) => new TextEncoder().encode(s);
const refOf = (m: { partition: number; offset: number }) => `${m.partition}/${m.offset}`;

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

async function produce(r: Requester, station: string, payloads: string[]): Promise<void> {
  const messages = payloads.map((p) => ({ payload: text(p) }));
  expectType(await r.request({ type: 'produce', station, messages }), 'produceAck');
}

async function info(r: Requester, station: string, group: string) {
  return expectType(await r.request({ type: 'groupInfo', station, group }), 'group').info;
}

/** Polls the group's info until `done` holds. */
async function until(
  r: Requester,
  station: string,
  group: string,
  done: (i: Awaited<ReturnType<typeof info>>) => boolean,
): Promise<Awaited<ReturnType<typeof info>>> {
  for (let i = 0; i < 400; i++) {
    const got = await info(r, station, group);
    if (done(got)) return got;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('group never reached the expected state');
}

async function deadLetters(r: Requester, station: string) {
  return expectType(await r.request({ type: 'dlsList', station, limit: 1000 }), 'dlsEntries')
    .entries;
}

describe('push endpoints', () => {
  it('[GROUP-6] [CONS-7] pushes signed batches within concurrency: a 2xx acks, 500s and timeouts are retried, a 4xx dead-letters its batch with the status and body', async () => {
    const b = await fixture.broker({ args: FAST_RETRIES });
    const { requests: r } = await fixture.connect(b);
    expectType(
      await r.request({ type: 'stationCreate', name: 's', config: { partitions: 3 } }),
      'station',
    );
    const payloads = Array.from({ length: 300 }, (_, i) => (i === 137 ? 'poison' : `m${i}`));
    await produce(r, 's', payloads);
    const hook = await receiver((req) => {
      if (req.n % 5 === 0) return { status: 500, body: 'try later' };
      if (req.n % 11 === 0) return 'hang';
      if (req.n % 13 === 0) return { status: 503, headers: { 'retry-after': '0' } };
      if (req.messages.some((m) => m.text === 'poison'))
        return { status: 422, body: 'poison rejected\n' };
      return { status: 204 };
    }, SECRET);
    const created = expectType(
      await r.request({
        type: 'groupCreate',
        station: 's',
        group: 'g',
        options: {
          start: { kind: 'earliest' },
          ackTimeoutMs: 20_000,
          maxDeliveries: 50,
          push: { url: hook.url, batchSize: 10, concurrency: 3, timeoutMs: 400, secret: SECRET },
        },
      }),
      'group',
    ).info;
    // The secret is a credential: the info says only that there is one.
    expect(created.push).toEqual({
      url: hook.url,
      batchSize: 10,
      concurrency: 3,
      timeoutMs: 400,
      secret: true,
    });
    expect(JSON.stringify(created)).not.toContain(SECRET);

    const done = await until(r, 's', 'g', (i) => i.lag === 0 && i.pending === 0);
    const dls = await deadLetters(r, 's');
    expect(done.deadLetters).toBe(dls.length);
    // The poison message's batch, each with the answer's status and the start of its body.
    const poison = dls.find((e) => new TextDecoder().decode(e.payload) === 'poison');
    expect(poison?.reason).toBe('push: HTTP 422: poison rejected');
    expect(dls.length).toBeLessThanOrEqual(10);
    for (const e of dls) expect(e.reason).toBe('push: HTTP 422: poison rejected');
    // Every message acked exactly once or dead-lettered, never both.
    const acked = hook.acked.map(refOf);
    expect(new Set(acked).size).toBe(acked.length);
    const dead = dls.map(refOf);
    expect(acked.filter((ref) => dead.includes(ref))).toEqual([]);
    expect(acked.length + dead.length).toBe(payloads.length);
    // Retries happened (500s, timeouts, 503 with Retry-After), within the concurrency.
    expect(hook.requests.length).toBeGreaterThan(30);
    expect(hook.maxInFlight).toBeLessThanOrEqual(3);
    expect(hook.badSignatures).toBe(0);
    expect(hook.requests.every((q) => q.signed === true)).toBe(true);
    expect(new Set(hook.requests.map((q) => q.deliveryId)).size).toBe(hook.requests.length);
    expect(hook.requests.every((q) => q.station === 's' && q.group === 'g')).toBe(true);
    expect(hook.requests.every((q) => q.messages.length <= 10)).toBe(true);
    // A retried message was delivered again: its delivery count went up.
    expect(hook.requests.some((q) => q.messages.some((m) => m.deliveryCount > 1))).toBe(true);
  });

  it('[GROUP-6] [CONS-9] a message the endpoint always fails is dead-lettered after maxDeliveries', async () => {
    const b = await fixture.broker({ args: FAST_RETRIES });
    const { requests: r } = await fixture.connect(b);
    await produce(r, 's', ['ok-1', 'bad', 'ok-2']);
    const hook = await receiver((req) =>
      req.messages.some((m) => m.text === 'bad') ? { status: 500 } : { status: 200 },
    );
    expectType(
      await r.request({
        type: 'groupCreate',
        station: 's',
        group: 'g',
        options: {
          start: { kind: 'earliest' },
          maxDeliveries: 3,
          push: { url: hook.url, batchSize: 1, concurrency: 2 },
        },
      }),
      'group',
    );
    await until(r, 's', 'g', (i) => i.lag === 0 && i.pending === 0 && i.deadLetters === 1);
    const [entry] = await deadLetters(r, 's');
    expect(new TextDecoder().decode(entry?.payload)).toBe('bad');
    expect(entry?.reason).toBe('max deliveries exceeded');
    expect(entry?.deliveryCount).toBe(3);
    expect(hook.acked.map((m) => m.text).sort()).toEqual(['ok-1', 'ok-2']);
    // Unsigned without a secret.
    expect(hook.requests.every((q) => q.signed === undefined)).toBe(true);
  });

  it('[GROUP-6] [GROUP-4] with ordering partition a partition is in one request at a time, so each arrives in order', async () => {
    const b = await fixture.broker({ args: FAST_RETRIES });
    const { requests: r } = await fixture.connect(b);
    expectType(
      await r.request({ type: 'stationCreate', name: 's', config: { partitions: 3 } }),
      'station',
    );
    const messages = Array.from({ length: 300 }, (_, i) => ({
      payload: text(`m${i}`),
      partition: i % 3,
    }));
    expectType(await r.request({ type: 'produce', station: 's', messages }), 'produceAck');
    const inFlight = new Map<number, number>();
    let overlaps = 0;
    const hook = await receiver(async (req) => {
      const partitions = new Set(req.messages.map((m) => m.partition));
      for (const p of partitions) {
        const n = (inFlight.get(p) ?? 0) + 1;
        if (n > 1) overlaps++;
        inFlight.set(p, n);
      }
      // Slow answers, so that requests overlap.
      await new Promise((resolve) => setTimeout(resolve, (req.n * 7) % 20));
      for (const p of partitions) inFlight.set(p, (inFlight.get(p) ?? 1) - 1);
      return { status: 200 };
    });
    expectType(
      await r.request({
        type: 'groupCreate',
        station: 's',
        group: 'g',
        options: {
          start: { kind: 'earliest' },
          ordering: 'partition',
          maxDeliveries: 50,
          push: { url: hook.url, batchSize: 7, concurrency: 4 },
        },
      }),
      'group',
    );
    await until(r, 's', 'g', (i) => i.lag === 0 && i.pending === 0);
    expect(overlaps).toBe(0);
    expect(hook.maxInFlight).toBeGreaterThan(1);
    expect(hook.acked).toHaveLength(300);
    for (const p of [0, 1, 2]) {
      const offsets = hook.acked.filter((m) => m.partition === p).map((m) => m.offset);
      expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
    }
  });

  it('[GROUP-6] the endpoint survives a restart and pushing resumes; groupUpdate removes and sets it', async () => {
    let b: BrokerProcess = await fixture.broker({ args: FAST_RETRIES });
    let { requests: r } = await fixture.connect(b);
    const hook = await receiver(() => ({ status: 200 }), SECRET);
    const push = { url: hook.url, batchSize: 5, concurrency: 1, secret: SECRET };
    expectType(
      await r.request({ type: 'groupCreate', station: 's', group: 'g', options: { push } }),
      'group',
    );
    // The same endpoint again is the same group; another is GROUP_EXISTS.
    expectType(
      await r.request({ type: 'groupCreate', station: 's', group: 'g', options: { push } }),
      'group',
    );
    const other = { ...push, secret: 'another' };
    expect(
      expectError(
        await r.request({
          type: 'groupCreate',
          station: 's',
          group: 'g',
          options: { push: other },
        }),
      ).code,
    ).toBe('GROUP_EXISTS');
    await produce(r, 's', ['a1', 'a2', 'a3']);
    await hook.until(() => hook.acked.length === 3);

    await fixture.stop(b);
    b = await startBroker({ dataDir: b.dataDir, args: FAST_RETRIES });
    ({ requests: r } = await fixture.connect(b));
    try {
      expect((await info(r, 's', 'g')).push?.url).toBe(hook.url);
      await produce(r, 's', ['b1', 'b2']);
      await hook.until(() => hook.acked.length === 5);
      expect(hook.acked.map((m) => m.text)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);

      // Removed: nothing more is pushed, the group keeps its messages.
      const removed = expectType(
        await r.request({ type: 'groupUpdate', station: 's', group: 'g', removePush: true }),
        'group',
      ).info;
      expect(removed.push).toBeUndefined();
      expect(removed.members).toBe(0);
      await produce(r, 's', ['c1', 'c2']);
      await until(r, 's', 'g', (i) => i.lag === 2);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(hook.acked.length).toBe(5);

      // Set again: the group's messages come, from where it was.
      const set = expectType(
        await r.request({ type: 'groupUpdate', station: 's', group: 'g', push }),
        'group',
      ).info;
      expect(set.push?.secret).toBe(true);
      expect(set.members).toBe(1);
      await hook.until(() => hook.acked.length === 7);
      expect(hook.acked.slice(5).map((m) => m.text)).toEqual(['c1', 'c2']);
      expect(hook.badSignatures).toBe(0);
      // A group with only its pusher is deleted without force.
      expectType(await r.request({ type: 'groupDelete', station: 's', group: 'g' }), 'ok');
    } finally {
      await b.stop();
      removeDataDir(b);
    }
  });

  it('[GROUP-6] a push endpoint must be a plain http(s) URL within the bounds', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    for (const push of [
      { url: 'ftp://127.0.0.1/x' },
      { url: 'not a url' },
      { url: 'http://user:pw@127.0.0.1/x' },
      { url: 'http://127.0.0.1/x', concurrency: 100_000 },
      { url: 'http://127.0.0.1/x', batchSize: 0 },
      { url: 'http://127.0.0.1/x', timeoutMs: 3_600_000 },
    ]) {
      const reply = await r.request({
        type: 'groupCreate',
        station: 's',
        group: 'g',
        options: { push },
      });
      expect(expectError(reply).code).toBe('INVALID_CONFIG');
    }
    expectType(await r.request({ type: 'groupCreate', station: 's', group: 'g' }), 'group');
    const both = await r.request({
      type: 'groupUpdate',
      station: 's',
      group: 'g',
      push: { url: 'http://127.0.0.1/x' },
      removePush: true,
    });
    expect(expectError(both).code).toBe('INVALID_CONFIG');
    const unknown = await r.request({
      type: 'groupUpdate',
      station: 's',
      group: 'nope',
      removePush: true,
    });
    expect(expectError(unknown).code).toBe('GROUP_NOT_FOUND');
  });
});
