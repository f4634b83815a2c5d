/** Moving a group's cursor by hand. [GROUP-5] */
import { describe, expect, it } from 'vitest';
import { at, everything, type Fixture, group, offsets, put } from './fixture.js';

export function groupSeekContract(fx: Fixture): void {
  describe('group cursor: seek', () => {
    it('[GROUP-5] back: what was done comes again from a count of 1; in flight is dropped', async () => {
      const station = await fx.station();
      await put(station, 0, ['m0', 'm1', 'm2', 'm3']);
      await put(station, 1, ['n0']);
      const cursor = await station.openGroup('billing', group({ start: { kind: 'earliest' } }));
      const first = await cursor.fetch(10, everything);
      await cursor.ack([at(0, 0), at(0, 1)]);
      await cursor.nack([at(0, 2)], 0);
      expect((await cursor.fetch(1, everything)).map((d) => [d.offset, d.deliveryCount])).toEqual([
        [2, 2],
      ]);
      expect(first).toHaveLength(5);
      await cursor.seek(0, 1);
      expect(await cursor.cursor(0)).toBe(1);
      // In flight before the seek: no longer pending.
      expect(await cursor.ack([at(0, 3)])).toEqual([at(0, 3)]);
      const again = await cursor.fetch(10, everything);
      expect(
        again.filter((d) => d.partition === 0).map((d) => [d.offset, d.deliveryCount]),
      ).toEqual([
        [1, 1],
        [2, 1],
        [3, 1],
      ]);
      // The other partition is untouched: its message is still in flight.
      expect(again.filter((d) => d.partition === 1)).toEqual([]);
      expect(await cursor.ack([at(1, 0)])).toEqual([]);
    });

    it('[GROUP-5] forward: what is below the cursor is done and never comes', async () => {
      const station = await fx.station();
      await put(station, 0, ['m0', 'm1', 'm2', 'm3']);
      const cursor = await station.openGroup('billing', group({ start: { kind: 'earliest' } }));
      expect(offsets(await cursor.fetch(1, everything))).toEqual([0]);
      await cursor.nack([at(0, 0)], 0);
      await cursor.seek(0, 3);
      expect(offsets(await cursor.fetch(10, everything))).toEqual([3]);
      expect(await cursor.counts()).toEqual({ pending: 1, lag: 0, resent: 0 });
    });

    it.runIf(fx.durable)('[GROUP-5] [CONS-6] a seek survives a reopen', async () => {
      let backend = await fx.backend();
      const before = await backend.openStation('orders', fx.config({ partitions: 1 }));
      await put(before, 0, ['m0', 'm1', 'm2']);
      const cursor = await before.openGroup('billing', group({ start: { kind: 'earliest' } }));
      await cursor.fetch(3, everything);
      await cursor.ack([at(0, 0), at(0, 1), at(0, 2)]);
      await cursor.seek(0, 1);
      backend = await fx.restart(backend);
      const station = await backend.openStation('orders', fx.config({ partitions: 1 }));
      const reopened = await station.openGroup('billing', group());
      expect(await reopened.cursor(0)).toBe(1);
      expect(
        (await reopened.fetch(10, everything)).map((d) => [d.offset, d.deliveryCount]),
      ).toEqual([
        [1, 1],
        [2, 1],
      ]);
    });
  });
}
