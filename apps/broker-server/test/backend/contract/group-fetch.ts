/** Group cursors: where a group starts, and what a fetch hands out. */
import { describe, expect, it } from 'vitest';
import type { Delivery, StationBackend } from '../../../src/backend/types.js';
import {
  at,
  batch,
  bytes,
  everything,
  type Fixture,
  group,
  offsets,
  put,
  text,
} from './fixture.js';

/** Five messages in partition 0 of a one-partition station. */
async function fiveMessages(fx: Fixture): Promise<StationBackend> {
  const station = await fx.station({ partitions: 1 });
  await put(station, 0, ['m0', 'm1', 'm2', 'm3', 'm4']);
  return station;
}

const byPartition = (ds: Delivery[], p: number) => offsets(ds.filter((d) => d.partition === p));

export function groupFetchContract(fx: Fixture): void {
  describe('group cursor: start and fetch', () => {
    it('[GROUP-3] detail counts per partition, adding up to the counts, and the redeliveries waiting', async () => {
      const station = await fx.station();
      await put(station, 0, ['a', 'b', 'c']);
      await put(station, 1, ['d']);
      const cursor = await station.openGroup('billing', group({ start: { kind: 'earliest' } }));
      await cursor.fetch(10, everything);
      await cursor.ack([at(0, 0)]);
      await cursor.nack([at(0, 1)], 60_000);
      const counts = await cursor.counts();
      const detail = await cursor.detail();
      expect(detail.redeliveries).toBe(1);
      expect(detail.partitions).toEqual([
        { partition: 0, cursor: 1, lag: 1, inFlight: 1 },
        { partition: 1, cursor: 0, lag: 0, inFlight: 1 },
      ]);
      expect([counts.pending, counts.lag]).toEqual([2, 1]);
    });

    it('[GROUP-3] lag and in flight add up to every unsettled message while a fetch is under way', async () => {
      const station = await fx.station();
      await put(station, 0, ['a', 'b', 'c', 'd', 'e']);
      await put(station, 1, ['f', 'g', 'h', 'i', 'j']);
      const cursor = await station.openGroup('billing', group({ start: { kind: 'earliest' } }));
      // Two waiting for redelivery, so the fetch reads both the due and the new.
      const first = await cursor.fetch(2, everything);
      await cursor.nack(
        first.map((d) => at(d.partition, d.offset)),
        0,
      );
      let fetched = false;
      const fetch = cursor.fetch(100, everything).finally(() => {
        fetched = true;
      });
      // Every turn of the event loop until the fetch is done (the file engine reads on the
      // thread pool); only the sums, so a long fetch costs a few entries.
      const seen = new Set<number>();
      while (!fetched) {
        const { lag, pending } = await cursor.counts();
        seen.add(lag + pending);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      expect(offsets(await fetch)).toHaveLength(10);
      expect(seen).toEqual(new Set([10]));
      expect(await cursor.counts()).toMatchObject({ lag: 0, pending: 10 });
    });

    it('[CONS-1] a new group starts at earliest, latest, offset or lastN', async () => {
      const station = await fiveMessages(fx);
      const first = async (name: string, overrides?: Parameters<typeof group>[0]) =>
        offsets(await (await station.openGroup(name, group(overrides))).fetch(100, everything));
      expect(await first('earliest')).toEqual([0, 1, 2, 3, 4]);
      expect(await first('offset', { start: { kind: 'offset', value: 3 } })).toEqual([3, 4]);
      expect(await first('offset-past', { start: { kind: 'offset', value: 99 } })).toEqual([]);
      expect(await first('last-two', { start: { kind: 'lastN', value: 2 } })).toEqual([3, 4]);
      expect(await first('last-many', { start: { kind: 'lastN', value: 99 } })).toEqual([
        0, 1, 2, 3, 4,
      ]);
      const latest = await station.openGroup('latest', { ...group(), start: { kind: 'latest' } });
      const byDefault = await station.openGroup('default', { ...group(), start: undefined });
      expect(await latest.fetch(100, everything)).toEqual([]);
      expect(await byDefault.fetch(100, everything)).toEqual([]);
      await put(station, 0, ['m5']);
      expect(offsets(await latest.fetch(100, everything))).toEqual([5]);
      expect(offsets(await byDefault.fetch(100, everything))).toEqual([5]);
    });

    it('[CONS-1] a new group starts at a time: the first message appended at or after it', async () => {
      const station = await fx.station({ partitions: 1 });
      await put(station, 0, ['m0', 'm1', 'm2']);
      const [last] = await station.read(0, 2, { maxRecords: 1, maxBytes: 1 });
      // Records of one millisecond share a timestamp: the next ones come strictly later.
      while (Date.now() <= (last?.timestamp ?? 0)) await new Promise((r) => setTimeout(r, 1));
      const t = Date.now();
      await put(station, 0, ['m3', 'm4']);
      const first = async (name: string, value: number) =>
        offsets(
          await (await station.openGroup(name, group({ start: { kind: 'time', value } }))).fetch(
            100,
            everything,
          ),
        );
      expect(await first('since-t', t)).toEqual([3, 4]);
      expect(await first('since-0', 0)).toEqual([0, 1, 2, 3, 4]);
      expect(await first('future', Date.now() + 60_000)).toEqual([]);
      await station.applyRetention({ maxMessages: 1 }, Date.now(), false);
      expect(await first('since-0-retained', 0)).toEqual([4]);
    });

    it('[CONS-1] earliest is the first retained offset', async () => {
      const station = await fiveMessages(fx);
      await station.applyRetention({ maxMessages: 2 }, Date.now(), false);
      const cursor = await station.openGroup('late', group());
      expect(offsets(await cursor.fetch(100, everything))).toEqual([3, 4]);
    });

    it('[CONS-1] an existing group keeps its position whatever start says', async () => {
      const station = await fiveMessages(fx);
      const cursor = await station.openGroup('billing', group());
      await cursor.fetch(100, everything);
      await cursor.ack([0, 1, 2, 3, 4].map((o) => at(0, o)));
      const again = await station.openGroup('billing', group({ start: { kind: 'earliest' } }));
      expect(await again.fetch(100, everything)).toEqual([]);
      expect(await again.cursor(0)).toBe(5);
      await put(station, 0, ['m5']);
      expect(offsets(await again.fetch(100, everything))).toEqual([5]);
    });

    it('[CONS-3] fetch hands out in offset order per partition, deliveryCount 1', async () => {
      const station = await fx.station();
      await station.append(
        batch(
          ['0a', '1a', '0b', '1b', '0c'].map((p) => ({
            partition: Number(p[0]),
            record: { payload: bytes(p) },
          })),
        ),
      );
      const cursor = await station.openGroup('billing', group());
      const got = await cursor.fetch(100, everything);
      expect(byPartition(got, 0)).toEqual([0, 1, 2]);
      expect(byPartition(got, 1)).toEqual([0, 1]);
      expect(got.map((d) => d.deliveryCount)).toEqual([1, 1, 1, 1, 1]);
      const payloads = got.map((d) => `${d.partition}:${text(d.payload)}`).sort();
      expect(payloads).toEqual(['0:0a', '0:0b', '0:0c', '1:1a', '1:1b']);
    });

    it('[CONS-3] fetch hands out at most max, and a message in flight only once', async () => {
      const station = await fiveMessages(fx);
      const cursor = await station.openGroup('billing', group());
      expect(offsets(await cursor.fetch(2, everything))).toEqual([0, 1]);
      expect(offsets(await cursor.fetch(2, everything))).toEqual([2, 3]);
      expect(offsets(await cursor.fetch(100, everything))).toEqual([4]);
      expect(await cursor.fetch(100, everything)).toEqual([]);
    });

    it('[CONS-10] admit ends the fetch before the first refused message, but one always goes', async () => {
      const station = await fiveMessages(fx);
      const cursor = await station.openGroup('billing', group());
      expect(offsets(await cursor.fetch(100, { admit: () => false }))).toEqual([0]);
      let budget = 2;
      const two = await cursor.fetch(100, { admit: () => budget-- > 0 });
      expect(offsets(two)).toEqual([1, 2]);
      // The refused message is not skipped: it starts the next fetch.
      expect(offsets(await cursor.fetch(100, everything))).toEqual([3, 4]);
    });

    it('[GROUP-4] accepts limits a fetch to the partitions it accepts', async () => {
      const station = await fx.station();
      await put(station, 0, ['a', 'b']);
      await put(station, 1, ['c']);
      const cursor = await station.openGroup('billing', group());
      const only1 = await cursor.fetch(100, { ...everything, accepts: (p) => p === 1 });
      expect(only1.map((d) => [d.partition, d.offset])).toEqual([[1, 0]]);
      const rest = await cursor.fetch(100, everything);
      expect(rest.map((d) => [d.partition, d.offset])).toEqual([
        [0, 0],
        [0, 1],
      ]);
    });

    it('[CONS-3] every group gets every message', async () => {
      const station = await fiveMessages(fx);
      const a = await station.openGroup('a', group());
      const b = await station.openGroup('b', group());
      expect(offsets(await a.fetch(100, everything))).toEqual([0, 1, 2, 3, 4]);
      expect(offsets(await b.fetch(100, everything))).toEqual([0, 1, 2, 3, 4]);
    });

    it('[GROUP-2] [GROUP-3] groups() lists the groups in name order; deleteGroup removes one', async () => {
      const station = await fiveMessages(fx);
      for (const name of ['beta', 'alpha', 'gamma']) await station.openGroup(name, group());
      expect(await station.groups()).toEqual(['alpha', 'beta', 'gamma']);
      const alpha = await station.openGroup('alpha', group());
      await alpha.fetch(100, everything);
      await alpha.ack([at(0, 0), at(0, 1)]);
      await station.deleteGroup('alpha');
      await station.deleteGroup('never-was');
      expect(await station.groups()).toEqual(['beta', 'gamma']);
      // Created anew at its start position, with nothing of the old group's state.
      const fresh = await station.openGroup('alpha', group({ start: { kind: 'lastN', value: 3 } }));
      expect(await station.groups()).toEqual(['alpha', 'beta', 'gamma']);
      const got = await fresh.fetch(100, everything);
      expect(offsets(got)).toEqual([2, 3, 4]);
      expect(got.map((d) => d.deliveryCount)).toEqual([1, 1, 1]);
    });

    it('a group name that breaks the name rules is refused with INVALID_NAME', async () => {
      const station = await fx.station();
      await expect(station.openGroup('Bad Name', group())).rejects.toMatchObject({
        code: 'INVALID_NAME',
      });
      expect(await station.groups()).toEqual([]);
    });
  });
}
