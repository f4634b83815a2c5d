/**
 * A station that cannot be opened at start [LIMITS-3]: reported, unavailable
 * with STORAGE_FAILED, and the broker starts and serves the others.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { expectError, expectType } from '../support/requester.js';

const fixture = useBrokers();
const payload = (s: string) => new TextEncoder().encode(s);

describe('a station that cannot be opened at start [LIMITS-3]', () => {
  it('[LIMITS-3] is logged and answers STORAGE_FAILED; the broker starts and serves the other stations', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    for (const name of ['good', 'bad']) {
      expectType(await r.request({ type: 'stationCreate', name }), 'station');
      expectType(
        await r.request({ type: 'produce', station: name, messages: [{ payload: payload('m') }] }),
        'produceAck',
      );
    }
    await fixture.stop(b);
    writeFileSync(join(b.dataDir, 'stations', 'bad', 'station.json'), '{ torn');

    const again = await fixture.broker({ dataDir: b.dataDir });
    expect(
      again.logs.some((l) => l.level === 50 && l.station === 'bad' && l.msg !== undefined),
    ).toBe(true);
    const { requests: r2 } = await fixture.connect(again);
    const good = expectType(await r2.request({ type: 'stationInfo', name: 'good' }), 'station');
    expect(good.info.partitions[0]?.nextOffset).toBe(1);
    expectType(
      await r2.request({ type: 'produce', station: 'good', messages: [{ payload: payload('n') }] }),
      'produceAck',
    );
    const refusals = [
      await r2.request({ type: 'stationInfo', name: 'bad' }),
      await r2.request({ type: 'produce', station: 'bad', messages: [{ payload: payload('n') }] }),
    ];
    for (const refusal of refusals) {
      const error = expectError(refusal);
      expect(error.code).toBe('STORAGE_FAILED');
      expect(error.message).toMatch(/station 'bad' could not be opened/);
    }
    expect((await fetch(`http://127.0.0.1:${again.httpPort}/livez`)).status).toBe(200);
  });

  it('[LIMITS-3] can be deleted, which frees its name', async () => {
    const b = await fixture.broker();
    const { requests: r } = await fixture.connect(b);
    expectType(await r.request({ type: 'stationCreate', name: 'bad' }), 'station');
    await fixture.stop(b);
    writeFileSync(join(b.dataDir, 'stations', 'bad', 'station.json'), '{ torn');

    const again = await fixture.broker({ dataDir: b.dataDir });
    const { requests: r2 } = await fixture.connect(again);
    expect(expectError(await r2.request({ type: 'stationCreate', name: 'bad' })).code).toBe(
      'STORAGE_FAILED',
    );
    expectType(await r2.request({ type: 'stationDelete', name: 'bad' }), 'ok');
    expect(expectError(await r2.request({ type: 'stationInfo', name: 'bad' })).code).toBe(
      'STATION_NOT_FOUND',
    );
    const fresh = expectType(
      await r2.request({ type: 'stationCreate', name: 'bad', config: { partitions: 2 } }),
      'station',
    );
    expect(fresh.info.partitions).toHaveLength(2);
  });
});
