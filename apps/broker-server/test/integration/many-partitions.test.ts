/**
 * More partitions than descriptors [LIMITS-3]: a broker under `ulimit -n 256`
 * holds stations totalling several times that many partitions, serves
 * produce and consume on all of them, keeps accepting connections and
 * answering /livez, and restarts on the same data with everything there.
 */
import { readdirSync } from 'node:fs';
import type { DeliveredMessage } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { Deliveries } from '../support/deliveries.js';
import type { Requester } from '../support/requester.js';
import { expectType } from '../support/requester.js';

const fixture = useBrokers();
const LIMIT = 256;
const STATIONS = 3;
const PARTITIONS = 400;
const names = Array.from({ length: STATIONS }, (_, i) => `wide-${i}`);
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

const descriptors = (b: BrokerProcess) => readdirSync(`/proc/${b.pid}/fd`).length;

/** One message to every partition of the station, each naming its partition. */
async function produceEverywhere(r: Requester, station: string, round: string): Promise<void> {
  const messages = Array.from({ length: PARTITIONS }, (_, p) => ({
    payload: bytes(`${station}/${p}/${round}`),
    partition: p,
  }));
  const ack = expectType(await r.request({ type: 'produce', station, messages }), 'produceAck');
  expect(ack.results.every((res) => res.kind === 'ok')).toBe(true);
}

/** Consumes `count` messages of the station in group `group` from the earliest, acking them. */
async function consume(
  r: Requester,
  sid: number,
  station: string,
  group: string,
  count: number,
): Promise<DeliveredMessage[]> {
  expectType(
    await r.request({
      type: 'subscribe',
      sid,
      station,
      group,
      options: { start: { kind: 'earliest' }, credit: count },
    }),
    'subscribed',
  );
  const got = await new Deliveries(r).take(sid, count);
  const refs = got.map((m) => ({ partition: m.partition, offset: m.offset }));
  for (let i = 0; i < refs.length; i += 500)
    expectType(await r.request({ type: 'ack', sid, refs: refs.slice(i, i + 500) }), 'ok');
  expectType(await r.request({ type: 'unsubscribe', sid }), 'ok');
  return got;
}

async function livez(b: BrokerProcess): Promise<number> {
  return (await fetch(`http://127.0.0.1:${b.httpPort}/livez`)).status;
}

describe('more partitions than descriptors [LIMITS-3]', () => {
  it('[LIMITS-3] under ulimit -n 256, stations of 1,200 partitions are served, new connections and /livez work, and a restart finds everything', async () => {
    const b = await fixture.broker({ descriptorLimit: LIMIT });
    const { requests: r } = await fixture.connect(b);
    for (const name of names) {
      const created = expectType(
        await r.request({ type: 'stationCreate', name, config: { partitions: PARTITIONS } }),
        'station',
      );
      expect(created.info.partitions).toHaveLength(PARTITIONS);
    }
    for (const name of names) await produceEverywhere(r, name, 'first');
    for (const [i, name] of names.entries()) {
      const got = await consume(r, i + 1, name, 'readers', PARTITIONS);
      expect(new Set(got.map((m) => m.partition)).size).toBe(PARTITIONS);
    }
    expect(descriptors(b)).toBeLessThan(LIMIT);
    const fresh = await fixture.connect(b);
    expectType(await fresh.requests.request({ type: 'stationInfo', name: 'wide-2' }), 'station');
    expect(await livez(b)).toBe(200);

    await fixture.stop(b);
    const again = await fixture.broker({ dataDir: b.dataDir, descriptorLimit: LIMIT });
    const { requests: r2 } = await fixture.connect(again);
    const list = expectType(await r2.request({ type: 'stationList' }), 'stations');
    expect(list.stations.map((s) => s.name)).toEqual(names);
    for (const s of list.stations) {
      expect(s.partitions.map((p) => p.nextOffset)).toEqual(Array(PARTITIONS).fill(1));
    }
    for (const name of names) await produceEverywhere(r2, name, 'second');
    for (const [i, name] of names.entries()) {
      // The group resumes after what it acked; a new group reads both rounds.
      const resumed = await consume(r2, 10 + i, name, 'readers', PARTITIONS);
      expect(resumed.every((m) => text(m.payload).endsWith('/second'))).toBe(true);
      const all = await consume(r2, 20 + i, name, 'late', 2 * PARTITIONS);
      expect(all.map((m) => text(m.payload)).sort()).toEqual(
        Array.from({ length: PARTITIONS }, (_, p) => [`${name}/${p}/first`, `${name}/${p}/second`])
          .flat()
          .sort(),
      );
    }
    expect(descriptors(again)).toBeLessThan(LIMIT);
    expect(await livez(again)).toBe(200);
  });
});
