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
  });
}
