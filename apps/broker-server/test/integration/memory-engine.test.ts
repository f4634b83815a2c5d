/**
 * A broker on the memory engine (`storage.engine: memory`), over real sockets: stations are
 * memory stations by default and work as on disk, a file station is refused with a coded
 * error, nothing is written to the data directory, and nothing outlives a restart.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { Deliveries } from '../support/deliveries.js';
import { expectError, expectType } from '../support/requester.js';

const fixture = useBrokers();
const bytes = (s: string) => new TextEncoder().encode(s);

describe('storage.engine memory', () => {
  it('[LIMITS-4] serves produce, consume and dedup from memory; a file station is INVALID_CONFIG', async () => {
    const b = await fixture.broker({ args: ['--storage-engine', 'memory'] });
    const { requests: r } = await fixture.connect(b);
    const created = expectType(
      await r.request({ type: 'stationCreate', name: 'orders' }),
      'station',
    );
    expect(created.info.config).toMatchObject({ storage: 'memory', durability: 'memory' });

    const ack = expectType(
      await r.request({
        type: 'produce',
        station: 'orders',
        messages: [
          { payload: bytes('a'), msgId: 'm-1' },
          { payload: bytes('b') },
          { payload: bytes('a again'), msgId: 'm-1' },
        ],
      }),
      'produceAck',
    );
    expect(ack.durability).toBe('memory');
    expect(ack.results).toEqual([
      { kind: 'ok', partition: 0, offset: 0, duplicate: false },
      { kind: 'ok', partition: 0, offset: 1, duplicate: false },
      { kind: 'ok', partition: 0, offset: 0, duplicate: true },
    ]);

    expectType(
      await r.request({
        type: 'subscribe',
        sid: 1,
        station: 'orders',
        group: 'billing',
        options: { start: { kind: 'earliest' }, credit: 10 },
      }),
      'subscribed',
    );
    const got = await new Deliveries(r).take(1, 2);
    expect(got.map((m) => new TextDecoder().decode(m.payload))).toEqual(['a', 'b']);
    expectType(
      await r.request({
        type: 'ack',
        sid: 1,
        refs: got.map((m) => ({ partition: m.partition, offset: m.offset })),
      }),
      'ok',
    );
    const group = expectType(
      await r.request({ type: 'groupInfo', station: 'orders', group: 'billing' }),
      'group',
    );
    expect(group.info).toMatchObject({ members: 1, pending: 0, lag: 0 });

    const refused = expectError(
      await r.request({ type: 'stationCreate', name: 'disk', config: { storage: 'file' } }),
    );
    expect(refused.code).toBe('INVALID_CONFIG');
    expect(readdirSync(b.dataDir)).toEqual([]);
  });

  it('keeps nothing across a restart', async () => {
    const b = await fixture.broker({ args: ['--storage-engine', 'memory'] });
    const { requests: r } = await fixture.connect(b);
    expectType(await r.request({ type: 'stationCreate', name: 'gone' }), 'station');
    await fixture.stop(b);
    const again = await fixture.broker({
      dataDir: b.dataDir,
      args: ['--storage-engine', 'memory'],
    });
    const { requests: r2 } = await fixture.connect(again);
    const list = expectType(await r2.request({ type: 'stationList' }), 'stations');
    expect(list.stations).toEqual([]);
  });
});
