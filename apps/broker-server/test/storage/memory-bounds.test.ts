import { describe, expect, it } from 'vitest';
import { EmbeddedStorageEngine } from '../../src/storage/engine.js';
import { MemoryBudget } from '../../src/storage/memory-budget.js';
import { MemoryPartitionLog } from '../../src/storage/memory-log.js';
import type { StationStoreConfig } from '../../src/storage/types.js';
import { useTempDirs } from '../support/temp-dir.js';

const tempDir = useTempDirs('memory-bounds');
const KIB = 1024;
const memoryStation: StationStoreConfig = {
  partitions: 2,
  storage: 'memory',
  durability: 'memory',
  flushIntervalMs: 100,
  dedupWindowMs: 60_000,
};
const message = (size: number) => [{ payload: new Uint8Array(size) }];

describe('memory stations are bounded [LIMITS-4]', () => {
  it('[LIMITS-4] an append past the station bound fails with OVERLOADED and stores nothing', async () => {
    const budget = new MemoryBudget(1 << 30);
    const log = new MemoryPartitionLog(0, Date.now, budget.station('s', 64 * KIB));
    let accepted = 0;
    let refused: unknown;
    // Bounded, so that an unbounded log fails the test instead of filling the machine.
    while (refused === undefined && accepted < 1000) {
      await log.append(message(KIB)).then(
        () => accepted++,
        (e: unknown) => {
          refused = e;
        },
      );
    }
    expect(refused).toMatchObject({
      code: 'OVERLOADED',
      message: expect.stringContaining('storage.memoryStationMaxBytes'),
    });
    expect(accepted).toBeGreaterThan(40);
    expect(log.bounds()).toMatchObject({ first: 0, next: accepted });
    expect(budget.used).toBeLessThanOrEqual(64 * KIB);
    expect((await log.read(0, { maxRecords: 1000, maxBytes: 1 << 30 })).length).toBe(accepted);
  });

  it('[LIMITS-4] with retention maxMessages or maxBytes the oldest are dropped to make room instead', async () => {
    const budget = new MemoryBudget(1 << 30);
    const station = budget.station('s', 64 * KIB);
    for (const retention of [{ maxBytes: 1 << 30 }, { maxMessages: 1_000_000 }]) {
      const log = new MemoryPartitionLog(0, Date.now, station);
      for (let i = 0; i < 1000; i++) await log.append(message(KIB), retention);
      const { first, next } = log.bounds();
      expect(next).toBe(1000);
      expect(first).toBeGreaterThan(900);
      expect(station.used).toBeLessThanOrEqual(64 * KIB);
      // The oldest went, the newest are read back.
      const records = await log.read(0, { maxRecords: 1000, maxBytes: 1 << 30 });
      expect(records[0]?.offset).toBe(first);
      expect(records.at(-1)?.offset).toBe(999);
      await log.close();
      expect(station.used).toBe(0);
    }
  });

  it('[LIMITS-4] past the engine budget OVERLOADED; a deleted station gives its share back', async () => {
    const engine = await EmbeddedStorageEngine.open({
      dataDir: tempDir(),
      memoryStationMaxBytes: 96 * KIB,
      memoryMaxBytes: 128 * KIB,
    });
    const fill = async (name: string): Promise<number> => {
      const station = await engine.openStation(name, memoryStation);
      for (let stored = 0; stored < 1000; stored++) {
        try {
          const ack = await station.partition(stored % 2).append(message(KIB));
          expect(ack.durability).toBe('memory');
        } catch (e) {
          expect(e).toMatchObject({ code: 'OVERLOADED' });
          return stored;
        }
      }
      throw new Error(`memory station ${name} took 1000 KiB: it is not bounded`);
    };
    const a = await fill('a');
    expect(a).toBeGreaterThan(60);
    const b = await fill('b');
    // The engine's budget ran out before b's own bound: b got only what a left.
    expect(b).toBeLessThan(a / 2);
    await expect(
      (await engine.openStation('b', memoryStation)).partition(0).append(message(KIB)),
    ).rejects.toMatchObject({
      code: 'OVERLOADED',
      message: expect.stringContaining('storage.memoryMaxBytes'),
    });
    await engine.deleteStation('a');
    await engine.deleteStation('b');
    // The whole budget is free again: a new station takes as much as the first did.
    expect(await fill('c')).toBe(a);
    await engine.close();
  });
});
