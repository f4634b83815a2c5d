/** Stations: creation with config and settings, listing, settings, deletion, names. */
import { describe, expect, it } from 'vitest';
import { bytes, type Fixture, group, put, readAll } from './fixture.js';

export function stationsContract(fx: Fixture): void {
  describe('stations', () => {
    it('openStation creates a station with its config and settings', async () => {
      const backend = await fx.backend();
      const before = Date.now();
      const station = await backend.openStation('orders', fx.config(), { owner: 'billing' });
      expect(station.name).toBe('orders');
      expect(station.config).toEqual(fx.config());
      expect(station.settings).toEqual({ owner: 'billing' });
      expect(station.createdAt).toBeGreaterThanOrEqual(before);
      expect(await station.bounds(0)).toEqual({ first: 0, next: 0, bytes: 0 });
      expect(await station.groups()).toEqual([]);
    });

    it('opening again keeps what the station was created with', async () => {
      const backend = await fx.backend();
      const created = await backend.openStation('orders', fx.config(), { v: 1 });
      await put(created, 1, ['kept']);
      const again = await backend.openStation(
        'orders',
        fx.config({ partitions: 5, dedupWindowMs: 1 }),
        { v: 2 },
      );
      expect(again.config).toEqual(fx.config());
      expect(again.settings).toEqual({ v: 1 });
      expect(again.createdAt).toBe(created.createdAt);
      expect((await again.bounds(1)).next).toBe(1);
    });

    it('listStations names the stations in name order', async () => {
      const backend = await fx.backend();
      expect(await backend.listStations()).toEqual([]);
      for (const name of ['zeta', 'alpha', 'mid-1']) await backend.openStation(name, fx.config());
      expect(await backend.listStations()).toEqual(['alpha', 'mid-1', 'zeta']);
    });

    it('saveSettings replaces the settings', async () => {
      const backend = await fx.backend();
      const station = await backend.openStation('orders', fx.config(), { a: 1, b: 2 });
      await station.saveSettings({ c: 3 });
      expect(station.settings).toEqual({ c: 3 });
      expect((await backend.openStation('orders', fx.config(), { d: 4 })).settings).toEqual({
        c: 3,
      });
    });

    it.runIf(fx.durable)('stations, their config and settings survive a reopen', async () => {
      let backend = await fx.backend();
      const created = await backend.openStation('orders', fx.config(), { a: 1 });
      await backend.openStation('alpha', fx.config({ partitions: 1 }));
      await put(created, 0, ['one', 'two']);
      await created.saveSettings({ saved: true });
      backend = await fx.restart(backend);
      expect(await backend.listStations()).toEqual(['alpha', 'orders']);
      const station = await backend.openStation('orders', fx.config({ partitions: 3 }), {});
      expect(station.config).toEqual(fx.config());
      expect(station.settings).toEqual({ saved: true });
      expect(station.createdAt).toBe(created.createdAt);
      const records = await station.read(0, 0, readAll);
      expect(records.map((r) => r.payload)).toEqual([bytes('one'), bytes('two')]);
    });

    it('deleteStation removes the station; opening it again starts empty', async () => {
      const backend = await fx.backend();
      const station = await backend.openStation('orders', fx.config(), { old: true });
      await backend.openStation('other', fx.config());
      await put(station, 0, ['gone']);
      await station.openGroup('billing', group());
      await station.deadLetters.add({
        group: 'billing',
        partition: 0,
        offset: 0,
        timestamp: 1,
        deadLetteredAt: 2,
        deliveryCount: 1,
        reason: 'poison',
        payload: bytes('gone'),
      });
      await backend.deleteStation('orders');
      expect(await backend.listStations()).toEqual(['other']);
      const fresh = await backend.openStation('orders', fx.config({ partitions: 3 }), { new: 1 });
      expect(fresh.config.partitions).toBe(3);
      expect(fresh.settings).toEqual({ new: 1 });
      expect(await fresh.bounds(0)).toEqual({ first: 0, next: 0, bytes: 0 });
      expect(await fresh.groups()).toEqual([]);
      expect(await fresh.deadLetters.count()).toBe(0);
    });

    it('[PURGE-1] purge drops below an offset on one partition, or everything, and offsetForTimestamp finds a time', async () => {
      const backend = await fx.backend();
      const station = await backend.openStation('orders', fx.config({ partitions: 2 }));
      await put(station, 0, ['a', 'b', 'c']);
      await put(station, 1, ['d', 'e']);
      expect(await station.purge(0, 2)).toEqual([2, 0]);
      expect((await station.bounds(0)).first).toBe(2);
      expect((await station.read(0, 0, readAll)).map((r) => r.offset)).toEqual([2]);
      const [last] = await station.read(1, 1, readAll);
      expect(await station.offsetForTimestamp(1, last?.timestamp ?? 0)).toBeLessThanOrEqual(1);
      expect(await station.offsetForTimestamp(1, Date.now() + 60_000)).toBe(2);
      expect(await station.purge(undefined, undefined)).toEqual([1, 2]);
      expect(
        [await station.bounds(0), await station.bounds(1)].map((b) => [b.first, b.next]),
      ).toEqual([
        [3, 3],
        [2, 2],
      ]);
    });

    it('a station name that breaks the name rules is refused with INVALID_NAME', async () => {
      const backend = await fx.backend();
      for (const name of ['Orders', '', '..', '.hidden', 'a/b', 'x'.repeat(300)]) {
        await expect(backend.openStation(name, fx.config())).rejects.toMatchObject({
          code: 'INVALID_NAME',
        });
      }
      expect(await backend.listStations()).toEqual([]);
    });
  });
}
