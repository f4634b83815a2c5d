import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { expectError, expectType, type Requester } from '../support/requester.js';

const fixture = useBrokers();

const create = (r: Requester, name: string, partitions = 1) =>
  r.request({ type: 'stationCreate', name, config: { partitions } });

async function stations(b: BrokerProcess): Promise<Record<string, number>> {
  const { requests } = await fixture.connect(b);
  const page = expectType(await requests.request({ type: 'stationList' }), 'stations');
  return Object.fromEntries(page.stations.map((s) => [s.name, s.partitions.length]));
}

describe('engine-wide station caps', () => {
  it('[LIMITS-2] --max-stations 3: a fourth station, created or auto-created, is QUOTA_EXCEEDED and nothing of it outlives a restart', async () => {
    const args = ['--max-stations', '3'];
    const first = await fixture.broker({ args });
    const { requests: r } = await fixture.connect(first);
    expectType(await create(r, 'a'), 'station');
    expectType(await create(r, 'b'), 'station');
    // Two creations at once for the last place: creations in progress count.
    const [c, d] = await Promise.all([create(r, 'c'), create(r, 'd')]);
    expect([c.type, d.type].sort()).toEqual(['error', 'station']);
    expect(expectError(c.type === 'error' ? c : d).code).toBe('QUOTA_EXCEEDED');
    expect(expectError(await create(r, 'e')).code).toBe('QUOTA_EXCEEDED');
    const produce = await r.request({
      type: 'produce',
      station: 'auto',
      messages: [{ payload: new Uint8Array([1]) }],
    });
    expect(expectError(produce).code).toBe('QUOTA_EXCEEDED');
    // The stations that exist still take creates that change nothing.
    expectType(await create(r, 'a'), 'station');
    const created = c.type === 'station' ? 'c' : 'd';
    expect(await stations(first)).toEqual({ a: 1, b: 1, [created]: 1 });
    await fixture.stop(first);
    const second = await fixture.broker({ dataDir: first.dataDir, args });
    expect(await stations(second)).toEqual({ a: 1, b: 1, [created]: 1 });
  });

  it('[LIMITS-2] --max-partitions-total 10: a station whose partitions would pass it is QUOTA_EXCEEDED; one that fits is created', async () => {
    const args = ['--max-partitions-total', '10'];
    const first = await fixture.broker({ args });
    const { requests: r } = await fixture.connect(first);
    expectType(await create(r, 'a', 4), 'station');
    expectType(await create(r, 'b', 4), 'station');
    expect(expectError(await create(r, 'c', 4)).code).toBe('QUOTA_EXCEEDED');
    expectType(await create(r, 'c', 2), 'station');
    expect(expectError(await create(r, 'd', 1)).code).toBe('QUOTA_EXCEEDED');
    expect(await stations(first)).toEqual({ a: 4, b: 4, c: 2 });
    // Deleting a station gives its partitions back.
    expectType(await r.request({ type: 'stationDelete', name: 'b' }), 'ok');
    expectType(await create(r, 'd', 4), 'station');
    await fixture.stop(first);
    const second = await fixture.broker({ dataDir: first.dataDir, args });
    expect(await stations(second)).toEqual({ a: 4, c: 2, d: 4 });
  });
});
