import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DedupBudget, DedupIndex } from '../../src/storage/dedup.js';
import { MemoryPartitionLog } from '../../src/storage/memory-log.js';
import { logIds } from '../../src/storage/partition-ids.js';
import type { DedupEntry } from '../../src/storage/types.js';

const at = (offset: number, timestamp = 1000): DedupEntry => ({ partition: 0, offset, timestamp });

/** The budget's rules written plainly: one list of every station's msgIds, oldest first. */
class Model {
  entries: { station: number; id: string; entry: DedupEntry }[] = [];
  constructor(
    private readonly max: number,
    private readonly windows: number[],
  ) {}

  lookup(station: number, id: string, now: number): DedupEntry | undefined {
    const i = this.entries.findIndex((e) => e.station === station && e.id === id);
    const found = this.entries[i];
    if (found === undefined) return undefined;
    if (found.entry.timestamp < now - (this.windows[station] ?? 0)) {
      this.entries.splice(i, 1);
      return undefined;
    }
    return found.entry;
  }

  remember(station: number, id: string, entry: DedupEntry, now: number): void {
    this.entries = this.entries.filter((e) => e.station !== station || e.id !== id);
    for (;;) {
      const first = this.entries[0];
      if (first === undefined) break;
      const expired = first.entry.timestamp < now - (this.windows[first.station] ?? 0);
      if (!expired && this.entries.length < this.max) break;
      this.entries.shift();
    }
    this.entries.push({ station, id, entry });
  }

  close(station: number): void {
    this.entries = this.entries.filter((e) => e.station !== station);
  }
}

describe('dedup budget', () => {
  it('[LIMITS-6] one bound for all stations: the oldest msgIds of any station are forgotten first', () => {
    const budget = new DedupBudget(3);
    const a = new DedupIndex(budget, 60_000);
    const b = new DedupIndex(budget, 60_000);
    a.remember('x', at(0), 1000);
    b.remember('x', at(0), 1000);
    b.remember('y', at(1), 1000);
    a.remember('z', at(1), 1000);
    expect(budget.size).toBe(3);
    expect(a.lookup('x', 1000)).toBeUndefined();
    expect(b.lookup('x', 1000)).toEqual(at(0));
    expect(a.lookup('z', 1000)).toEqual(at(1));
  });

  it('[LIMITS-6] closing a station gives its room back to the others', async () => {
    const budget = new DedupBudget(4);
    const a = new DedupIndex(budget, 60_000);
    const b = new DedupIndex(budget, 60_000);
    for (let i = 0; i < 3; i++) a.remember(`a${i}`, at(i), 1000);
    b.remember('b0', at(0), 1000);
    await a.close();
    expect(budget.size).toBe(1);
    for (let i = 1; i < 4; i++) b.remember(`b${i}`, at(i), 1000);
    for (let i = 0; i < 4; i++) expect(b.lookup(`b${i}`, 1000)).toEqual(at(i));
  });

  it('[LIMITS-6] a rebuild at start keeps within the bound: the newest of the station, and nothing older than all held', async () => {
    const budget = new DedupBudget(3);
    const held = new DedupIndex(budget, 60_000);
    for (let i = 0; i < 3; i++) held.remember(`h${i}`, at(i, 5000), 5000);
    let now = 1000;
    const log = new MemoryPartitionLog(0, () => now);
    for (let i = 0; i < 4; i++) {
      now = 1000 + i * 2000;
      await log.append([{ payload: new Uint8Array(1), msgId: `r${i}` }]);
    }
    const rebuilt = new DedupIndex(budget, 60_000);
    await rebuilt.rebuild([logIds(log)], 9000);
    expect(budget.size).toBe(3);
    // r0 (1000) and r1 (3000) are older than all held; r2 (5000) and r3 (7000) take the places
    // of the two oldest held.
    const kept = (index: DedupIndex, ids: string[]) =>
      ids.filter((id) => index.lookup(id, 9000) !== undefined);
    expect(kept(rebuilt, ['r0', 'r1', 'r2', 'r3'])).toEqual(['r2', 'r3']);
    expect(kept(held, ['h0', 'h1', 'h2'])).toEqual(['h2']);
  });

  it('[LIMITS-6] msgIds remembered again leave room that is reclaimed, the others keeping their place', () => {
    const budget = new DedupBudget(4);
    const long = new DedupIndex(budget, 1_000_000);
    const short = new DedupIndex(budget, 1_000_000);
    long.remember('kept', at(0), 1000);
    for (let i = 1; i <= 50; i++) short.remember(`again${i % 2}`, at(i), 1000);
    expect(budget.size).toBe(3);
    expect(long.lookup('kept', 1000)).toEqual(at(0));
    expect(short.lookup('again0', 1000)).toEqual(at(50));
    expect(short.lookup('again1', 1000)).toEqual(at(49));
  });

  it('[LIMITS-6] behaves as one list of all stations, oldest first, whatever the operations', () => {
    const op = fc.oneof(
      {
        weight: 10,
        arbitrary: fc.record({
          kind: fc.constant('remember' as const),
          station: fc.nat(2),
          id: fc.nat(3),
          advance: fc.nat(3),
        }),
      },
      {
        weight: 5,
        arbitrary: fc.record({
          kind: fc.constant('lookup' as const),
          station: fc.nat(2),
          id: fc.nat(3),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('close' as const), station: fc.nat(2) }),
      },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 400 }), (max, ops) => {
        const windows = [50, 100, 1_000_000];
        const budget = new DedupBudget(max);
        let indexes = windows.map((w) => new DedupIndex(budget, w));
        const model = new Model(max, windows);
        let now = 0;
        let offset = 0;
        for (const o of ops) {
          const index = indexes[o.station] as DedupIndex;
          if (o.kind === 'remember') {
            now += o.advance;
            const entry = at(offset++, now);
            index.remember(`m${o.id}`, entry, now);
            model.remember(o.station, `m${o.id}`, entry, now);
          } else if (o.kind === 'lookup') {
            expect(index.lookup(`m${o.id}`, now)).toEqual(model.lookup(o.station, `m${o.id}`, now));
          } else {
            void index.close();
            model.close(o.station);
            indexes = indexes.map((x, i) =>
              i === o.station ? new DedupIndex(budget, windows[i] ?? 0) : x,
            );
          }
          expect(budget.size).toBe(model.entries.length);
          expect(budget.size).toBeLessThanOrEqual(max);
        }
      }),
      { numRuns: 300 },
    );
  });
});
