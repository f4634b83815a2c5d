/** Dedup inside append: a msgId seen within the window is not written again. [PROD-2] */
import { describe, expect, it } from 'vitest';
import type { AppendOutcome, StationBackend } from '../../../src/backend/types.js';
import { batch, bytes, type Fixture, sleep } from './fixture.js';

function withId(station: StationBackend, partition: number, msgId: string): Promise<AppendOutcome> {
  return station.append(batch([{ partition, record: { payload: bytes(msgId), msgId } }]));
}

export function dedupContract(fx: Fixture): void {
  describe('dedup inside append', () => {
    it('[PROD-2] a msgId seen within the window gets the original and writes nothing', async () => {
      const station = await fx.station();
      await withId(station, 0, 'a');
      await withId(station, 0, 'b');
      const again = await withId(station, 1, 'a');
      expect(again.results).toEqual([{ kind: 'ok', partition: 0, offset: 0, duplicate: true }]);
      // Nothing written, so the station's own durability is reported.
      expect(again.durability).toBe(station.config.durability);
      expect((await station.bounds(0)).next).toBe(2);
      expect((await station.bounds(1)).next).toBe(0);
    });

    it('[PROD-2] a msgId repeated within one batch is written once', async () => {
      const station = await fx.station();
      const { results } = await station.append(
        batch([
          { partition: 0, record: { payload: bytes('x'), msgId: 'same' } },
          { partition: 1, record: { payload: bytes('other') } },
          { partition: 1, record: { payload: bytes('x again'), msgId: 'same' } },
        ]),
      );
      expect(results).toEqual([
        { kind: 'ok', partition: 0, offset: 0, duplicate: false },
        { kind: 'ok', partition: 1, offset: 0, duplicate: false },
        { kind: 'ok', partition: 0, offset: 0, duplicate: true },
      ]);
      expect((await station.bounds(0)).next).toBe(1);
      expect((await station.bounds(1)).next).toBe(1);
    });

    it('[PROD-2] two concurrent appends of one msgId write it once', async () => {
      const station = await fx.station();
      const [first, second] = await Promise.all([
        withId(station, 0, 'race'),
        withId(station, 1, 'race'),
      ]);
      const [a, b] = [first, second].map((outcome) => {
        const result = outcome.results[0];
        if (result?.kind !== 'ok') throw new Error('append failed');
        return result;
      });
      expect([a?.partition, a?.offset]).toEqual([b?.partition, b?.offset]);
      expect([a?.duplicate, b?.duplicate].filter(Boolean).length).toBe(1);
      const written = (await station.bounds(0)).next + (await station.bounds(1)).next;
      expect(written).toBe(1);
    });

    it('[PROD-2] a msgId seen before the window is written again', async () => {
      // 100 ms: JetStream's smallest duplicate window.
      const station = await fx.station({ dedupWindowMs: 100 });
      await withId(station, 0, 'late');
      await sleep(300);
      const again = await withId(station, 0, 'late');
      expect(again.results).toEqual([{ kind: 'ok', partition: 0, offset: 1, duplicate: false }]);
      expect((await station.bounds(0)).next).toBe(2);
    });

    it.runIf(fx.durable)('[PROD-2] dedup survives a reopen', async () => {
      let backend = await fx.backend();
      const before = await backend.openStation('orders', fx.config());
      await withId(before, 0, 'x');
      await withId(before, 1, 'y');
      backend = await fx.restart(backend);
      const station = await backend.openStation('orders', fx.config());
      const again = await withId(station, 0, 'y');
      expect(again.results).toEqual([{ kind: 'ok', partition: 1, offset: 0, duplicate: true }]);
      expect((await station.bounds(0)).next).toBe(1);
    });
  });
}
