import { describe, expect, it } from 'vitest';
import {
  batches,
  collectIds,
  countEntries,
  firstEntries,
  inBatches,
} from '../src/lib/dead-letter-batches.js';

/** A listing that counts how many entries were read from it. */
function listing(n: number): { entries: AsyncIterable<{ id: number }>; read: () => number } {
  let read = 0;
  return {
    entries: (async function* () {
      for (let id = 1; id <= n; id++) {
        read++;
        yield { id };
      }
    })(),
    read: () => read,
  };
}

describe('batches', () => {
  it('slices in order, the last one shorter', () => {
    expect(batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(batches([1, 2], 5)).toEqual([[1, 2]]);
    expect(batches([], 3)).toEqual([]);
  });

  it('takes at least one a batch', () => {
    expect(batches([1, 2], 0)).toEqual([[1], [2]]);
  });
});

describe('inBatches', () => {
  it('acts on each batch in turn and adds up the counts', async () => {
    const calls: number[][] = [];
    const total = await inBatches([1, 2, 3, 4, 5], 2, async (batch) => {
      calls.push(batch);
      return batch.length;
    });
    expect(calls).toEqual([[1, 2], [3, 4], [5]]);
    expect(total).toBe(5);
  });

  it('stops at the first failure', async () => {
    const calls: number[][] = [];
    const acting = inBatches([1, 2, 3], 1, async (batch) => {
      calls.push(batch);
      if (batch[0] === 2) throw new Error('denied');
      return 1;
    });
    await expect(acting).rejects.toThrow('denied');
    expect(calls).toEqual([[1], [2]]);
  });
});

describe('collectIds', () => {
  it('reads every id, and the groups they came from', async () => {
    const entries = (async function* () {
      yield* [
        { id: 1, group: 'billing' },
        { id: 2, group: '$schema' },
        { id: 3, group: 'billing' },
      ];
    })();
    expect(await collectIds(entries)).toEqual({
      ids: [1, 2, 3],
      groups: new Set(['billing', '$schema']),
    });
  });
});

describe('firstEntries', () => {
  it('says whether more follow, reading only one past the limit', async () => {
    const list = listing(10);
    const page = await firstEntries(list.entries, 3);
    expect(page.entries.map((e) => e.id)).toEqual([1, 2, 3]);
    expect(page.more).toBe(true);
    expect(list.read()).toBe(4);
  });

  it('says none follow when the listing ends within the limit', async () => {
    expect(await firstEntries(listing(3).entries, 3)).toEqual({
      entries: [{ id: 1 }, { id: 2 }, { id: 3 }],
      more: false,
    });
  });
});

describe('countEntries', () => {
  it('agrees in number', () => {
    expect(countEntries(0)).toBe('0 entries');
    expect(countEntries(1)).toBe('1 entry');
    expect(countEntries(1200)).toBe('1,200 entries');
  });
});
