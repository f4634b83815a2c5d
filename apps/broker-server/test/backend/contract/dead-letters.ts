/** A station's dead-letter store: add, list, get, remove and count. */
import { describe, expect, it } from 'vitest';
import type { DeadLetterRecord, DeadLetterStore } from '../../../src/backend/types.js';
import { bytes, type Fixture } from './fixture.js';

function entry(group: string, offset: number): Omit<DeadLetterRecord, 'id'> {
  return {
    group,
    partition: 0,
    offset,
    timestamp: 1_000 + offset,
    deadLetteredAt: 2_000 + offset,
    deliveryCount: 3,
    reason: 'max deliveries exceeded',
    payload: bytes(`${group}-${offset}`),
  };
}

/** Adds entries of groups a, b, a, a, b in that order; resolves to their ids. */
async function fiveEntries(store: DeadLetterStore): Promise<number[]> {
  const ids: number[] = [];
  for (const [group, offset] of [
    ['a', 0],
    ['b', 1],
    ['a', 2],
    ['a', 3],
    ['b', 4],
  ] as const)
    ids.push(await store.add(entry(group, offset)));
  return ids;
}

const offsetsOf = (page: { entries: DeadLetterRecord[] }) => page.entries.map((e) => e.offset);

export function deadLettersContract(fx: Fixture): void {
  describe('dead-letter store', () => {
    it('add gives increasing ids; get returns the entries as added', async () => {
      const { deadLetters } = await fx.station();
      const ids = await fiveEntries(deadLetters);
      expect([...ids].sort((x, y) => x - y)).toEqual(ids);
      expect(new Set(ids).size).toBe(5);
      const full = { ...entry('c', 9), headers: { h: 'v' }, key: 'k', msgId: 'm' };
      const id = await deadLetters.add(full);
      expect(await deadLetters.get([id])).toEqual([{ ...full, id }]);
      expect(await deadLetters.get([ids[1] as number, 987_654])).toEqual([
        { ...entry('b', 1), id: ids[1] },
      ]);
      expect(await deadLetters.count()).toBe(6);
    });

    it('[DLS-2] list pages in id order after `after`, at most `limit`, with more', async () => {
      const { deadLetters } = await fx.station();
      const ids = await fiveEntries(deadLetters);
      const first = await deadLetters.list({ limit: 2 });
      expect(offsetsOf(first)).toEqual([0, 1]);
      expect(first.more).toBe(true);
      const second = await deadLetters.list({ limit: 2, after: first.entries[1]?.id });
      expect(offsetsOf(second)).toEqual([2, 3]);
      expect(second.more).toBe(true);
      const last = await deadLetters.list({ limit: 2, after: second.entries[1]?.id });
      expect(offsetsOf(last)).toEqual([4]);
      expect(last.more).toBe(false);
      expect(offsetsOf(await deadLetters.list({ limit: 10, after: ids[4] }))).toEqual([]);
    });

    it('[DLS-2] list keeps to one group when asked', async () => {
      const { deadLetters } = await fx.station();
      await fiveEntries(deadLetters);
      const a = await deadLetters.list({ limit: 10, group: 'a' });
      expect(offsetsOf(a)).toEqual([0, 2, 3]);
      expect(a.more).toBe(false);
      const b = await deadLetters.list({ limit: 1, group: 'b' });
      expect(offsetsOf(b)).toEqual([1]);
      expect(b.more).toBe(true);
      expect(offsetsOf(await deadLetters.list({ limit: 10, group: 'none' }))).toEqual([]);
    });

    it('[DLS-2] admit ends the page before the first entry it refuses', async () => {
      const { deadLetters } = await fx.station();
      await fiveEntries(deadLetters);
      let budget = 3;
      const page = await deadLetters.list({ limit: 10, admit: () => budget-- > 0 });
      expect(offsetsOf(page)).toEqual([0, 1, 2]);
      expect(page.more).toBe(true);
    });

    it('[DLS-4] remove returns the entries that existed; they are gone from list, get and count', async () => {
      const { deadLetters } = await fx.station();
      const ids = await fiveEntries(deadLetters);
      const [id0, id1, id2] = ids as [number, number, number];
      const removed = await deadLetters.remove([id0, id2, 987_654]);
      expect(removed.map((e) => e.offset)).toEqual([0, 2]);
      expect(await deadLetters.remove([id0])).toEqual([]);
      expect(await deadLetters.count()).toBe(3);
      expect(await deadLetters.get([id0, id1])).toEqual([{ ...entry('b', 1), id: id1 }]);
      expect(offsetsOf(await deadLetters.list({ limit: 10 }))).toEqual([1, 3, 4]);
      expect(offsetsOf(await deadLetters.list({ limit: 10, group: 'a' }))).toEqual([3]);
    });

    it('[GROUP-3] countByGroup counts the live entries of each group, through adds and removes', async () => {
      const { deadLetters } = await fx.station();
      expect([...(await deadLetters.countByGroup())]).toEqual([]);
      const ids = await fiveEntries(deadLetters);
      expect(Object.fromEntries(await deadLetters.countByGroup())).toEqual({ a: 3, b: 2 });
      await deadLetters.add(entry('c', 5));
      await deadLetters.remove([ids[1] as number, ids[4] as number, ids[0] as number]);
      expect(Object.fromEntries(await deadLetters.countByGroup())).toEqual({ a: 2, c: 1 });
    });

    it('[GROUP-3] concurrent removes of one entry return it once and count it out once', async () => {
      const { deadLetters } = await fx.station();
      const ids = await fiveEntries(deadLetters);
      await deadLetters.countByGroup();
      const id = ids[0] as number;
      const results = await Promise.all([deadLetters.remove([id]), deadLetters.remove([id])]);
      expect(results.flat().map((e) => e.id)).toEqual([id]);
      expect(Object.fromEntries(await deadLetters.countByGroup())).toEqual({ a: 2, b: 2 });
      expect(await deadLetters.count()).toBe(4);
    });

    it('[GROUP-3] a count asked while adds and removes are under way counts each entry once', async () => {
      const { deadLetters } = await fx.station();
      const ids = await fiveEntries(deadLetters);
      const adds = Array.from({ length: 20 }, (_, i) =>
        deadLetters.add(entry(`g${i % 3}`, 10 + i)),
      );
      const removal = deadLetters.remove([ids[0] as number, ids[1] as number]);
      const during = deadLetters.countByGroup();
      const more = Array.from({ length: 6 }, (_, i) => deadLetters.add(entry('a', 40 + i)));
      await Promise.all([...adds, removal, during, ...more]);
      const expected = { a: 2 + 6, b: 1, g0: 7, g1: 7, g2: 6 };
      expect(Object.fromEntries(await deadLetters.countByGroup())).toEqual(expected);
      let sum = 0;
      for (const n of (await deadLetters.countByGroup()).values()) sum += n;
      expect(sum).toBe(await deadLetters.count());
    });

    it('[GROUP-3] the per-group count survives a restart', async ({ skip }) => {
      if (!fx.durable) skip();
      const backend = await fx.backend();
      const station = await backend.openStation('orders', fx.config());
      const ids = await fiveEntries(station.deadLetters);
      await station.deadLetters.remove([ids[2] as number]);
      const again = await (await fx.restart(backend)).openStation('orders', fx.config());
      expect(Object.fromEntries(await again.deadLetters.countByGroup())).toEqual({ a: 2, b: 2 });
    });
  });
}
