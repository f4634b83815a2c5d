/**
 * Two brokers on one NATS JetStream cluster (three nats-server processes, R3 streams), over real
 * sockets: what is created, produced, consumed and deleted through one broker is there through
 * the other, a group shares its messages between members on both, a produce ack says
 * `replicated`, and what JetStream cannot do is refused with a coded error.
 */
import { type NatsCluster, startCluster } from '@ferry/nats-cluster';
import type { DeliveredMessage } from '@ferry/protocol';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { expectError, expectType, type Requester } from '../support/requester.js';

const fixture = useBrokers();
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

let nats: NatsCluster;
let run = 0;
beforeAll(async () => {
  nats = await startCluster();
}, 60_000);
// A node stops gracefully (SIGTERM, then its JetStream state flushed): slow on a busy machine.
afterAll(() => nats?.stop(), 60_000);

/** Two brokers on the cluster with a prefix of their own (each test starts on an empty one). */
async function twoBrokers() {
  const args = [
    '--storage-engine',
    'jetstream',
    '--nats-url',
    nats.urls.join(','),
    '--nats-replicas',
    '3',
    '--nats-prefix',
    `it${++run}`,
  ];
  const [a, b] = await Promise.all([fixture.broker({ args }), fixture.broker({ args })]);
  return {
    a: (await fixture.connect(a)).requests,
    b: (await fixture.connect(b)).requests,
    brokers: [a, b],
  };
}

/** The messages delivered to `r` so far and not yet taken. */
function delivered(r: Requester): DeliveredMessage[] {
  const out: DeliveredMessage[] = [];
  for (let f = r.unsolicited.shift(); f !== undefined; f = r.unsolicited.shift())
    if (f.type === 'deliver') out.push(...f.messages);
  return out;
}

async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const until = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('storage.engine jetstream, two brokers', () => {
  it('[PROD-3] a station created through one broker is served by the other; acks say replicated', async () => {
    const { a, b, brokers } = await twoBrokers();
    const created = expectType(
      await a.request({ type: 'stationCreate', name: 'orders', config: { partitions: 2 } }),
      'station',
    );
    expect(created.info.config).toMatchObject({ durability: 'replicated', partitions: 2 });
    expect(brokers[0]?.logs.some((l) => /acknowledge/.test(String(l.msg)))).toBe(true);

    const info = await eventually(async () => {
      const reply = await b.request({ type: 'stationInfo', name: 'orders' });
      return reply.type === 'station' ? reply : undefined;
    }, 'the station on the second broker');
    expect(info.info.config.partitions).toBe(2);

    const ack = expectType(
      await b.request({
        type: 'produce',
        station: 'orders',
        messages: [
          { payload: bytes('one'), msgId: 'm-1', partition: 0 },
          { payload: bytes('two'), partition: 1 },
        ],
      }),
      'produceAck',
    );
    expect(ack.durability).toBe('replicated');
    // Dedup is station-wide and shared: the same msgId through the other broker, another partition.
    const again = expectType(
      await a.request({
        type: 'produce',
        station: 'orders',
        messages: [{ payload: bytes('one again'), msgId: 'm-1', partition: 1 }],
      }),
      'produceAck',
    );
    expect(again.results).toEqual([{ kind: 'ok', partition: 0, offset: 0, duplicate: true }]);
  });

  it('[CONS-3] a group with a member on each broker delivers every message once', async () => {
    const { a, b } = await twoBrokers();
    expectType(
      await a.request({ type: 'stationCreate', name: 'jobs', config: { partitions: 2 } }),
      'station',
    );
    await eventually(async () => {
      const reply = await b.request({ type: 'stationInfo', name: 'jobs' });
      return reply.type === 'station' ? reply : undefined;
    }, 'the station on the second broker');
    for (const r of [a, b])
      expectType(
        await r.request({
          type: 'subscribe',
          sid: 1,
          station: 'jobs',
          group: 'workers',
          options: { start: { kind: 'earliest' }, credit: 1000 },
        }),
        'subscribed',
      );
    const messages = Array.from({ length: 40 }, (_, i) => ({ payload: bytes(`job-${i}`) }));
    expectType(await a.request({ type: 'produce', station: 'jobs', messages }), 'produceAck');
    const got = new Map<string, number>();
    const perBroker = [0, 0];
    await eventually(async () => {
      for (const [i, r] of [a, b].entries()) {
        for (const m of delivered(r)) {
          perBroker[i] = (perBroker[i] ?? 0) + 1;
          got.set(text(m.payload), (got.get(text(m.payload)) ?? 0) + 1);
          expectType(
            await r.request({
              type: 'ack',
              sid: 1,
              refs: [{ partition: m.partition, offset: m.offset }],
            }),
            'ok',
          );
        }
      }
      return got.size === 40 ? true : undefined;
    }, 'every message');
    expect([...got.values()].every((n) => n === 1)).toBe(true);
    expect(perBroker.reduce((x, y) => x + y)).toBe(40);
  });

  it('a station deleted through one broker is gone from the other', async () => {
    const { a, b } = await twoBrokers();
    expectType(await a.request({ type: 'stationCreate', name: 'temp' }), 'station');
    await eventually(async () => {
      const reply = await b.request({ type: 'stationInfo', name: 'temp' });
      return reply.type === 'station' ? reply : undefined;
    }, 'the station on the second broker');
    expectType(await b.request({ type: 'stationDelete', name: 'temp' }), 'ok');
    const gone = await eventually(async () => {
      const reply = await a.request({ type: 'stationInfo', name: 'temp' });
      return reply.type === 'error' ? reply : undefined;
    }, 'the station gone from the first broker');
    expect(expectError(gone).code).toBe('STATION_NOT_FOUND');
  });

  it("a station's replicas are its streams' replicas: the broker's default, or its own", async () => {
    const { a } = await twoBrokers();
    const byDefault = expectType(
      await a.request({ type: 'stationCreate', name: 'wide' }),
      'station',
    );
    expect(byDefault.info.config.replicas).toBe(3);
    const single = expectType(
      await a.request({ type: 'stationCreate', name: 'narrow', config: { replicas: 1 } }),
      'station',
    );
    expect(single.info.config.replicas).toBe(1);
    const nc = await connect({ servers: [...nats.urls] });
    try {
      const jsm = await jetstreamManager(nc);
      const replicasOf = new Map<string, number>();
      for await (const info of jsm.streams.list())
        replicasOf.set(info.config.name, info.config.num_replicas);
      // Each station's streams (partitions, dead letters, resends, msgId claims) share its replicas.
      const prefix = `it${run}_`;
      const mine = [...replicasOf].filter(([name]) => name.startsWith(prefix));
      expect(new Set(mine.map(([, n]) => n))).toEqual(new Set([1, 3]));
      expect(mine.filter(([, n]) => n === 1).length).toBe(mine.filter(([, n]) => n === 3).length);
    } finally {
      await nc.close();
    }
    const two = expectError(
      await a.request({ type: 'stationCreate', name: 'even', config: { replicas: 2 } }),
    );
    expect([two.code, two.message]).toEqual([
      'INVALID_CONFIG',
      'replicas must be 1, 3 or 5, got 2',
    ]);
    const fixed = expectError(
      await a.request({ type: 'stationUpdate', name: 'narrow', config: { replicas: 3 } }),
    );
    expect(fixed.code).toBe('INVALID_CONFIG');
  });

  it('[GROUP-4] what JetStream cannot do is refused with INVALID_CONFIG, saying why', async () => {
    const { a } = await twoBrokers();
    const always = expectError(
      await a.request({
        type: 'stationCreate',
        name: 'strict',
        config: { durability: 'always' },
      }),
    );
    expect(always.code).toBe('INVALID_CONFIG');
    expect(always.message).toMatch(/before any fsync/);
    const window = expectError(
      await a.request({ type: 'stationCreate', name: 'tiny', config: { dedupWindowMs: 50 } }),
    );
    expect(window.code).toBe('INVALID_CONFIG');
    expect(window.message).toMatch(/at least 100/);

    expectType(await a.request({ type: 'stationCreate', name: 'ordered' }), 'station');
    const ordering = expectError(
      await a.request({
        type: 'groupCreate',
        station: 'ordered',
        group: 'in-order',
        options: { ordering: 'partition' },
      }),
    );
    expect(ordering.code).toBe('INVALID_CONFIG');
    expect(ordering.message).toMatch(/ordering partition is not available on the jetstream engine/);
  });

  it('[SCHEMA-4] a schema registered and attached through one broker is enforced by the other; versions are numbered once', async () => {
    const { a, b } = await twoBrokers();
    await a.request({ type: 'stationCreate', name: 'orders' });
    const schema = (max: number) =>
      bytes(
        JSON.stringify({ type: 'object', required: ['n'], properties: { n: { maximum: max } } }),
      );
    expectType(
      await a.request({
        type: 'schemaCreate',
        name: 'orders',
        schemaType: 'json',
        definition: schema(1),
      }),
      'schema',
    );
    expectType(
      await a.request({
        type: 'schemaAttach',
        station: 'orders',
        schema: 'orders',
        mode: 'deadletter',
      }),
      'station',
    );
    const produced = await eventually(async () => {
      const ack = expectType(
        await b.request({
          type: 'produce',
          station: 'orders',
          messages: [{ payload: bytes('{"n":5}') }],
        }),
        'produceAck',
      );
      return ack.results[0]?.kind === 'error' ? ack.results[0] : undefined;
    }, 'the attachment on the second broker');
    expect(produced).toMatchObject({ code: 'SCHEMA_VIOLATION' });
    expect(typeof produced.deadLetterId).toBe('number');
    // Versions added through both at once: each number made once, every one kept.
    const added = await Promise.all(
      [2, 3, 4, 5].map((max, i) =>
        (i % 2 === 0 ? a : b).request({
          type: 'schemaAddVersion',
          name: 'orders',
          definition: schema(max),
        }),
      ),
    );
    for (const reply of added) expectType(reply, 'schema');
    const info = await eventually(async () => {
      const reply = expectType(await b.request({ type: 'schemaInfo', name: 'orders' }), 'schema');
      return reply.info.latest === 5 ? reply.info : undefined;
    }, 'every version on the second broker');
    expect(info.versions?.map((v) => v.version)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(info.versions?.map((v) => v.fingerprint)).size).toBe(5);
    expect(info.stations).toEqual(['orders']);
    // The versions were added at once, so which maximum is the latest is not known: 1 passes all.
    const ok = expectType(
      await b.request({
        type: 'produce',
        station: 'orders',
        messages: [{ payload: bytes('{"n":1}') }],
      }),
      'produceAck',
    );
    expect(ok.results[0]?.kind).toBe('ok');
  });
});
