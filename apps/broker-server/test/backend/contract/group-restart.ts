/** Group state across a reopen of a durable backend. [CONS-6] */
import { describe, expect, it } from 'vitest';
import type { DeadLetterRecord } from '../../../src/backend/types.js';
import {
  at,
  batch,
  bytes,
  everything,
  type Fixture,
  fetchSoon,
  group,
  offsets,
  put,
  waitFor,
} from './fixture.js';

export function groupRestartContract(fx: Fixture): void {
  describe.runIf(fx.durable)('group cursor: across a reopen', () => {
    it('[CONS-6] a group keeps its cursor, done set and delivery counts', async () => {
      let backend = await fx.backend();
      const before = await backend.openStation('orders', fx.config({ partitions: 1 }));
      await put(before, 0, ['m0', 'm1', 'm2', 'm3', 'm4']);
      const cursor = await before.openGroup('billing', group());
      await cursor.fetch(4, everything);
      await cursor.nack([at(0, 2)], 0);
      expect((await cursor.fetch(1, everything))[0]?.deliveryCount).toBe(2);
      await cursor.ack([at(0, 0), at(0, 1), at(0, 3)]);

      backend = await fx.restart(backend);
      const station = await backend.openStation('orders', fx.config({ partitions: 1 }));
      expect(await station.groups()).toEqual(['billing']);
      const again = await station.openGroup('billing', group({ start: { kind: 'latest' } }));
      expect(await again.cursor(0)).toBe(2);
      const got = await again.fetch(100, everything);
      expect(got.map((d) => [d.offset, d.deliveryCount])).toEqual([
        [2, 3],
        [4, 1],
      ]);
    });

    it('[CONS-5] [CONS-6] a delay survives a reopen', async () => {
      let backend = await fx.backend();
      const before = await backend.openStation('orders', fx.config({ partitions: 1 }));
      await put(before, 0, ['m0', 'm1']);
      const cursor = await before.openGroup('billing', group());
      await cursor.fetch(1, everything);
      const delayMs = 500;
      const nackedBefore = Date.now();
      await cursor.nack([at(0, 0)], delayMs);

      backend = await fx.restart(backend);
      const station = await backend.openStation('orders', fx.config({ partitions: 1 }));
      const again = await station.openGroup('billing', group());
      const got = await waitFor('the delayed message', async () => {
        const fetched = await again.fetch(100, everything);
        return offsets(fetched).includes(0) ? fetched : undefined;
      });
      expect(Date.now() - nackedBefore).toBeGreaterThanOrEqual(delayMs);
      expect(got.find((d) => d.offset === 0)?.deliveryCount).toBe(2);
    });

    it('[CONS-9] a message delivered maxDeliveries times is not delivered again after a reopen', async () => {
      let backend = await fx.backend();
      const before = await backend.openStation('orders', fx.config({ partitions: 1 }));
      await put(before, 0, ['m0']);
      await (await before.openGroup('billing', group({ maxDeliveries: 1 }))).fetch(1, everything);

      backend = await fx.restart(backend);
      const station = await backend.openStation('orders', fx.config({ partitions: 1 }));
      const again = await station.openGroup('billing', group({ maxDeliveries: 1 }));
      // Its last delivery ended with the close: it goes to the dead-letter store instead.
      expect(await again.fetch(100, everything)).toEqual([]);
      const [entry] = await waitFor('its dead letter', async () => {
        const { entries } = await station.deadLetters.list({ limit: 10 });
        return entries.length > 0 ? entries : undefined;
      });
      expect(entry).toMatchObject({ group: 'billing', offset: 0, deliveryCount: 1 });
      expect(entry?.reason).toMatch(/^max deliveries exceeded/);
    });

    it('ack-based retention keeps what a group not opened since the reopen has not done', async () => {
      let backend = await fx.backend();
      const before = await backend.openStation('orders', fx.config({ partitions: 1 }));
      await put(before, 0, ['m0', 'm1', 'm2']);
      const done = await before.openGroup('done', group());
      await before.openGroup('idle', group());
      await done.fetch(100, everything);
      await done.ack([at(0, 0), at(0, 1), at(0, 2)]);

      backend = await fx.restart(backend);
      const station = await backend.openStation('orders', fx.config({ partitions: 1 }));
      await station.openGroup('done', group());
      expect(await station.applyRetention({}, Date.now(), true)).toEqual([0]);
      const idle = await station.openGroup('idle', group());
      expect(offsets(await idle.fetch(100, everything))).toEqual([0, 1, 2]);
    });

    it('[DLS-3] a resent message unsettled at close is not delivered again; its entry can be resent', async () => {
      let backend = await fx.backend();
      const before = await backend.openStation('orders', fx.config({ partitions: 1 }));
      await put(before, 0, ['m0']);
      const cursor = await before.openGroup('billing', group());
      await cursor.fetch(1, everything);
      await cursor.deadLetter([at(0, 0)], 'poison');
      const [entry] = (await before.deadLetters.list({ limit: 10 })).entries;
      cursor.resend([entry as DeadLetterRecord]);
      // A resend is delivered soon, not necessarily by the next fetch (on JetStream it goes
      // through a stream whose consumer may still be electing its leader).
      expect(offsets(await fetchSoon(cursor))).toEqual([0]);

      backend = await fx.restart(backend);
      const station = await backend.openStation('orders', fx.config({ partitions: 1 }));
      const again = await station.openGroup('billing', group());
      expect(await again.fetch(100, everything)).toEqual([]);
      const [kept] = (await station.deadLetters.list({ limit: 10 })).entries;
      expect(kept).toEqual(entry);
      again.resend([kept as DeadLetterRecord]);
      const resent = await fetchSoon(again);
      expect(resent.map((d) => [d.offset, d.deliveryCount])).toEqual([[0, 1]]);
    });

    it('a deleted group stays deleted', async () => {
      let backend = await fx.backend();
      const before = await backend.openStation('orders', fx.config());
      await before.openGroup('gone', group());
      await before.openGroup('kept', group());
      await before.deleteGroup('gone');
      backend = await fx.restart(backend);
      const station = await backend.openStation('orders', fx.config());
      expect(await station.groups()).toEqual(['kept']);
    });

    it('[DLS-1] dead letters survive a reopen', async () => {
      let backend = await fx.backend();
      const before = await backend.openStation('orders', fx.config());
      await before.append(batch([{ partition: 0, record: { payload: bytes('bad'), key: 'k' } }]));
      const cursor = await before.openGroup('billing', group());
      await cursor.fetch(1, everything);
      await cursor.deadLetter([at(0, 0)], 'poison');
      const [kept, dropped] = await Promise.all(
        [1, 2].map((offset) =>
          before.deadLetters.add({
            group: 'audit',
            partition: 1,
            offset,
            timestamp: 1,
            deadLetteredAt: 2,
            deliveryCount: 3,
            reason: 'manual',
            payload: bytes(`e${offset}`),
          }),
        ),
      );
      await before.deadLetters.remove([dropped as number]);

      backend = await fx.restart(backend);
      const station = await backend.openStation('orders', fx.config());
      const { entries } = await station.deadLetters.list({ limit: 100 });
      expect(entries.map((e) => [e.group, e.reason, e.offset])).toEqual([
        ['billing', 'poison', 0],
        ['audit', 'manual', 1],
      ]);
      expect(entries[0]).toMatchObject({ payload: bytes('bad'), key: 'k' });
      expect(entries[1]?.id).toBe(kept);
      expect(await station.deadLetters.count()).toBe(2);
      // Done for the group: not delivered again after the reopen.
      const again = await station.openGroup('billing', group());
      expect(await again.fetch(100, everything)).toEqual([]);
    });
  });
}
