import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StorageError } from '../../src/storage/errors.js';
import {
  type CommitTarget,
  type GroupCommitOptions,
  GroupCommitWriter,
} from '../../src/storage/group-commit.js';
import type { DiskDurability } from '../../src/storage/types.js';
import { RecordingMetrics } from '../support/recording-metrics.js';

const DURABILITIES = ['always', 'interval', 'never'] as const;

/** Waits `n` microtasks, as slow I/O would. */
async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

function eio(what: string): Error {
  return Object.assign(new Error(`${what}: EIO`), { code: 'EIO' });
}

/**
 * A file that records which items reached it and which of those an fdatasync
 * covered. `plan` says, call by call, how many microtasks an I/O takes and
 * whether it fails.
 */
function disk(plan: () => { delay: number; fail: boolean }) {
  const state = {
    writes: [] as number[][],
    syncs: 0,
    written: new Set<number>(),
    synced: new Set<number>(),
    unsynced: [] as number[],
  };
  const target: CommitTarget<number, number, number[]> = {
    async write(items) {
      const { delay, fail } = plan();
      await ticks(delay);
      if (fail) throw eio('write');
      state.writes.push([...items]);
      for (const item of items) state.written.add(item);
      state.unsynced.push(...items);
      return [...items];
    },
    async sync() {
      const { delay, fail } = plan();
      // Only what was written before the fdatasync began is covered by it.
      const covered = state.unsynced.splice(0);
      await ticks(delay);
      if (fail) throw eio('fdatasync');
      state.syncs++;
      for (const item of covered) state.synced.add(item);
    },
    acknowledge: (items) => [...items],
  };
  return { state, target };
}

function writer(
  durability: DiskDurability,
  target: CommitTarget<number, number, number[]>,
  options: Partial<GroupCommitOptions> = {},
) {
  return new GroupCommitWriter(
    {
      name: 'test',
      kind: 'partition',
      durability,
      flushIntervalMs: 60_000,
      maxPendingBytes: Number.POSITIVE_INFINITY,
      now: () => 0,
      ...options,
    },
    target,
  );
}

type Outcome = { kind: 'resolved'; durable: boolean } | { kind: 'rejected'; code: string };

describe('group-commit writer', () => {
  it('resolves an item only once it is as durable as configured, and writes in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...DURABILITIES),
        fc.array(fc.nat(6), { minLength: 1, maxLength: 60 }),
        fc.array(fc.nat(4), { minLength: 1, maxLength: 20 }),
        fc.boolean(),
        async (durability, gaps, delays, overlapSync) => {
          let call = 0;
          const { state, target } = disk(() => ({
            delay: delays[call++ % delays.length] as number,
            fail: false,
          }));
          const w = writer(durability, target, { overlapSync });
          const done: Promise<void>[] = [];
          for (const [item, gap] of gaps.entries()) {
            done.push(
              w.submit(item, 10).then((result) => {
                expect(result).toBe(item);
                expect(state.written.has(item)).toBe(true);
                if (durability === 'always') expect(state.synced.has(item)).toBe(true);
              }),
            );
            await ticks(gap);
          }
          await Promise.all(done);
          expect(state.writes.flat()).toEqual(gaps.map((_, i) => i));
          if (durability === 'always') expect(state.syncs).toBeLessThanOrEqual(state.writes.length);
          else expect(state.syncs).toBe(0);
          await w.close();
          expect(state.synced.size).toBe(gaps.length);
        },
      ),
    );
  });

  it("a lazy item resolves once written; with 'always' the next durable item's fdatasync covers it", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ gap: fc.nat(6), lazy: fc.boolean() }), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.array(fc.nat(4), { minLength: 1, maxLength: 20 }),
        fc.boolean(),
        async (items, delays, overlapSync) => {
          let call = 0;
          const { state, target } = disk(() => ({
            delay: delays[call++ % delays.length] as number,
            fail: false,
          }));
          const w = writer('always', target, { overlapSync });
          const done: Promise<void>[] = [];
          for (const [item, { gap, lazy }] of items.entries()) {
            done.push(
              w.submit(item, 10, lazy).then(() => {
                expect(state.written.has(item)).toBe(true);
                if (lazy) return;
                // Writes are in order, so one fdatasync covers this item and every lazy one before it.
                for (let earlier = 0; earlier <= item; earlier++)
                  expect(state.synced.has(earlier)).toBe(true);
              }),
            );
            await ticks(gap);
          }
          await Promise.all(done);
          const durable = items.filter((x) => !x.lazy).length;
          expect(state.syncs).toBeLessThanOrEqual(durable);
          await w.close();
          expect(state.synced.size).toBe(items.length);
        },
      ),
    );
  });

  it('with overlapSync, flushes are written while an fdatasync runs, and share the next one', async () => {
    const { state, target } = disk(() => ({ delay: 0, fail: false }));
    let release: () => void = () => {};
    let running = 0;
    let most = 0;
    target.sync = async () => {
      const covered = state.unsynced.splice(0);
      running++;
      most = Math.max(most, running);
      await new Promise<void>((r) => {
        release = r;
      });
      running--;
      state.syncs++;
      for (const item of covered) state.synced.add(item);
    };
    const w = writer('always', target, { overlapSync: true });
    const first = w.submit(1, 10);
    await new Promise((r) => setImmediate(r));
    // The first fdatasync runs: a lazy item is written and resolved meanwhile, a durable one written.
    await w.submit(2, 10, true);
    const third = w.submit(3, 10);
    await new Promise((r) => setImmediate(r));
    expect(state.written).toEqual(new Set([1, 2, 3]));
    expect(state.synced.size).toBe(0);
    release();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(state.synced).toEqual(new Set([1]));
    release();
    await third;
    expect(state.synced).toEqual(new Set([1, 2, 3]));
    expect([state.syncs, most]).toEqual([2, 1]);
    await w.close();
  });

  it('with overlapSync, flushes waiting for their fdatasync count against the pending bound', async () => {
    const { state, target } = disk(() => ({ delay: 0, fail: false }));
    let release: () => void = () => {};
    target.sync = async () => {
      const covered = state.unsynced.splice(0);
      await new Promise<void>((r) => {
        release = r;
      });
      state.syncs++;
      for (const item of covered) state.synced.add(item);
    };
    const w = writer('always', target, { overlapSync: true, maxPendingBytes: 25 });
    const first = w.submit(1, 10);
    await new Promise((r) => setImmediate(r));
    const second = w.submit(2, 10);
    await new Promise((r) => setImmediate(r));
    // Both written, neither synced: a third would pass the bound.
    expect(state.written).toEqual(new Set([1, 2]));
    await expect(w.submit(3, 10)).rejects.toMatchObject({ code: 'OVERLOADED' });
    release();
    await first;
    await new Promise((r) => setImmediate(r));
    release();
    await second;
    // Acknowledged, they no longer count: the next item is taken.
    const fourth = w.submit(4, 10);
    await new Promise((r) => setImmediate(r));
    release();
    await expect(fourth).resolves.toBe(4);
    await w.close();
  });

  it('with overlapSync, a failed fdatasync rejects the flushes waiting for it and everything after', async () => {
    const { target } = disk(() => ({ delay: 2, fail: false }));
    const w = writer('always', target, { overlapSync: true });
    await w.submit(1, 10);
    target.sync = async () => {
      await ticks(2);
      throw eio('fdatasync');
    };
    const waiting = [w.submit(2, 10), w.submit(3, 10)];
    for (const p of waiting) await expect(p).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
    await expect(w.submit(4, 10, true)).rejects.toBe(w.failure);
    await w.close();
  });

  it('lazy items alone get no fdatasync of their own, but one within flushIntervalMs', async () => {
    const { state, target } = disk(() => ({ delay: 0, fail: false }));
    const w = writer('always', target, { flushIntervalMs: 30, now: Date.now });
    await w.submit(1, 10, true);
    await w.submit(2, 10, true);
    expect(state.written).toEqual(new Set([1, 2]));
    expect(state.syncs).toBe(0);
    await new Promise((r) => setTimeout(r, 150));
    expect(state.syncs).toBe(1);
    expect(state.synced).toEqual(new Set([1, 2]));
    await w.close();
  });

  it('never resolves what was not written; a failed fdatasync fails its batch and everything after', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...DURABILITIES),
        fc.array(fc.nat(4), { minLength: 1, maxLength: 40 }),
        fc.array(fc.record({ delay: fc.nat(4), fail: fc.nat(9).map((n) => n === 0) }), {
          minLength: 1,
          maxLength: 30,
        }),
        async (durability, gaps, plan) => {
          let call = 0;
          let syncFailedAt: number | undefined;
          const { state, target } = disk(
            () => plan[call++ % plan.length] ?? { delay: 0, fail: false },
          );
          const sync = target.sync.bind(target);
          target.sync = async () => {
            try {
              await sync();
            } catch (e) {
              syncFailedAt ??= submitted;
              throw e;
            }
          };
          const w = writer(durability, target, { flushIntervalMs: 0 });
          const outcomes: Outcome[] = [];
          const settled: Promise<void>[] = [];
          let submitted = 0;
          for (const [item, gap] of gaps.entries()) {
            submitted++;
            settled.push(
              w.submit(item, 10).then(
                () => {
                  outcomes[item] = {
                    kind: 'resolved',
                    durable: durability !== 'always' || state.synced.has(item),
                  };
                  expect(state.written.has(item)).toBe(true);
                },
                (e: StorageError) => {
                  outcomes[item] = { kind: 'rejected', code: e.code };
                },
              ),
            );
            await ticks(gap);
          }
          await w.close().catch(() => {});
          await Promise.all(settled);
          // Every item settled, and none before it was durable.
          expect(outcomes.filter((o) => o !== undefined)).toHaveLength(gaps.length);
          for (const o of outcomes) if (o.kind === 'resolved') expect(o.durable).toBe(true);
          // Items never written are all rejected.
          outcomes.forEach((o, item) => {
            if (!state.written.has(item)) expect(o.kind).toBe('rejected');
          });
          // With 'never' the only fdatasync is close's, which fails the close, not the writer.
          if (syncFailedAt !== undefined && durability !== 'never') {
            // Nothing submitted after the failure resolves; the writer stays failed.
            for (const o of outcomes.slice(syncFailedAt)) expect(o.kind).toBe('rejected');
            expect(w.failure?.code).toBe('STORAGE_FAILED');
            await expect(w.submit(1000, 1)).rejects.toBe(w.failure);
          }
        },
      ),
    );
  });

  it('a failed write rejects that flush only; the next flush goes on', async () => {
    let calls = 0;
    const { state, target } = disk(() => ({ delay: 0, fail: calls++ === 0 }));
    const w = writer('always', target);
    await expect(w.submit(1, 10)).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
    await expect(w.submit(2, 10)).resolves.toBe(2);
    expect(state.writes).toEqual([[2]]);
    expect(w.failure).toBeUndefined();
    await w.close();
  });

  it('refuses beyond the pending bound exactly when something is queued, and one flush takes what queued', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 50 }),
        async (max, sizes) => {
          let release = () => {};
          const gate = new Promise<void>((r) => {
            release = r;
          });
          const { state, target } = disk(() => ({ delay: 0, fail: false }));
          const write = target.write.bind(target);
          target.write = async (items) => {
            await gate;
            return write(items);
          };
          const w = writer('always', target, { maxPendingBytes: max });
          // The first item goes in flight at once; the rest queue behind the gated write.
          let pending = 0;
          let queued = 0;
          const accepted: Promise<number>[] = [];
          for (const [item, bytes] of sizes.entries()) {
            const p = w.submit(item, bytes);
            if (queued > 0 && pending + bytes > max) {
              await expect(p).rejects.toMatchObject({ code: 'OVERLOADED' });
              continue;
            }
            accepted.push(p);
            pending += bytes;
            if (item > 0) queued++;
            expect(pending <= max || queued <= 1).toBe(true);
          }
          release();
          await Promise.all(accepted);
          expect(state.writes.length).toBe(queued > 0 ? 2 : 1);
          expect(state.writes.flat()).toHaveLength(accepted.length);
          await w.close();
        },
      ),
    );
  });

  it('splits a flush at maxFlushBytes, taking one larger item alone', async () => {
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { state, target } = disk(() => ({ delay: 0, fail: false }));
    const write = target.write.bind(target);
    target.write = async (items) => {
      await gate;
      return write(items);
    };
    const w = writer('never', target, { maxFlushBytes: 100 });
    const sizes = [10, 60, 50, 30, 150, 20];
    const all = sizes.map((bytes, item) => w.submit(item, bytes));
    release();
    await Promise.all(all);
    expect(state.writes).toEqual([[0], [1], [2, 3], [4], [5]]);
    await w.close();
  });

  it('observes each fdatasync and the bytes of each flush through its metrics', async () => {
    const metrics = new RecordingMetrics();
    const { state, target } = disk(() => ({ delay: 0, fail: false }));
    const w = writer('always', target, { metrics, kind: 'group' });
    await Promise.all([w.submit(1, 10), w.submit(2, 20)]);
    await w.submit(3, 5);
    const labels = { log: 'group' };
    expect(metrics.observations('ferry_storage_fsync_seconds', labels)).toHaveLength(state.syncs);
    const flushed = metrics.observations('ferry_storage_flush_bytes', labels);
    expect(flushed.reduce((a, b) => a + b, 0)).toBe(35);
    await w.close();
  });

  it("with 'interval', resolves after the write and fdatasyncs on its timer", async () => {
    const { state, target } = disk(() => ({ delay: 0, fail: false }));
    const w = writer('interval', target, { flushIntervalMs: 30, now: Date.now });
    await w.submit(1, 10);
    expect(state.syncs).toBe(0);
    await new Promise((r) => setTimeout(r, 150));
    expect(state.syncs).toBe(1);
    expect(state.synced.has(1)).toBe(true);
    await w.close();
    expect(state.syncs).toBe(1);
  });

  it("with 'interval', a write more than flushIntervalMs after the last fdatasync syncs in its flush", async () => {
    let clock = 0;
    const { state, target } = disk(() => ({ delay: 0, fail: false }));
    const w = writer('interval', target, { flushIntervalMs: 1000, now: () => clock });
    await w.submit(1, 10);
    await new Promise((r) => setImmediate(r));
    expect(state.syncs).toBe(0);
    clock = 1000;
    await w.submit(2, 10);
    // Acknowledged after the write; the fdatasync follows in the same flush.
    await new Promise((r) => setImmediate(r));
    expect(state.synced).toEqual(new Set([1, 2]));
    await w.close();
  });

  it("with 'never', fdatasyncs only when asked and on close; close drains and then refuses", async () => {
    const { state, target } = disk(() => ({ delay: 1, fail: false }));
    const w = writer('never', target);
    await w.submit(1, 10);
    expect(state.syncs).toBe(0);
    w.requestSync();
    await new Promise((r) => setImmediate(r));
    expect(state.syncs).toBe(1);
    const last = w.submit(2, 10);
    const closed = w.close();
    await expect(w.submit(3, 10)).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    await expect(last).resolves.toBe(2);
    await closed;
    expect(state.synced).toEqual(new Set([1, 2]));
  });

  it('a bug in the target fails the writer with INTERNAL instead of leaving items hanging', async () => {
    const { target } = disk(() => ({ delay: 0, fail: false }));
    target.acknowledge = () => {
      throw new TypeError('oops');
    };
    const w = writer('always', target);
    await expect(w.submit(1, 10)).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(w.submit(2, 10)).rejects.toMatchObject({ code: 'INTERNAL' });
    await w.close();
  });
});
