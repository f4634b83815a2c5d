import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordLogBytes } from '../../src/storage/batch.js';
import { FIRST_OFFSET_FILE } from '../../src/storage/log-front.js';
import { MemoryPartitionLog } from '../../src/storage/memory-log.js';
import type { FilePartitionLog } from '../../src/storage/partition-log.js';
import type { PartitionLog } from '../../src/storage/types.js';
import { bytes, openLog } from '../support/open-log.js';
import { useTempDirs } from '../support/temp-dir.js';

const tempDir = useTempDirs('retention');
const ALL = { maxRecords: 100_000, maxBytes: 1 << 30 };

/** 100 records of 100 B in segments of about 10 records, one timestamp per 10 ms. */
async function filled(dir: string, clock: { now: number }): Promise<FilePartitionLog> {
  const log = await openLog(dir, { segmentBytes: 1300, now: () => clock.now });
  for (let i = 0; i < 100; i++) {
    await log.append([{ payload: new Uint8Array(100).fill(i) }]);
    clock.now += 10;
  }
  return log;
}

/** Base offsets of the segment files on disk. */
function segmentFiles(dir: string): number[] {
  return readdirSync(join(dir, 'p0'))
    .filter((n) => n.endsWith('.log'))
    .map((n) => Number(n.slice(0, 20)))
    .sort((a, b) => a - b);
}

async function firstRead(log: PartitionLog): Promise<number | undefined> {
  return (await log.read(0, { maxRecords: 1, maxBytes: 1 }))[0]?.offset;
}

describe('retention moves the first offset to the record [LIMITS-8]', () => {
  it('[LIMITS-8] by count on every append: first = next - maxMessages at once; files wholly below it are deleted', async () => {
    const dir = tempDir();
    const log = await openLog(dir, { segmentBytes: 1300 });
    for (let i = 0; i < 100; i++) {
      await log.append([{ payload: new Uint8Array(100).fill(i) }], { maxMessages: 35 });
      const { first, next } = log.bounds();
      expect(first).toBe(Math.max(0, next - 35));
      expect(await firstRead(log)).toBe(first);
    }
    expect(log.bounds().bytes).toBe(
      35 * (recordLogBytes([{ payload: new Uint8Array(100) }])[0] ?? 0),
    );
    // Deletion runs beside the appends; a retention check waits for it.
    await log.applyRetention({}, Date.now());
    const files = segmentFiles(dir);
    expect(files[0]).toBeLessThanOrEqual(65);
    expect(files[1]).toBeGreaterThan(65);
    await log.close();
  });

  it('[LIMITS-8] by bytes on every append, to the record, also inside a batch', async () => {
    const dir = tempDir();
    const log = await openLog(dir, { segmentBytes: 2000 });
    const sizes: number[] = [];
    for (let i = 0; i < 60; i++) {
      const batch = [0, 1, 2].map((j) => ({
        payload: new Uint8Array(20 + ((i * 7 + j * 13) % 90)),
      }));
      sizes.push(...recordLogBytes(batch));
      await log.append(batch, { maxBytes: 1000 });
      const { first, next, bytes: kept } = log.bounds();
      const retained = sizes.slice(first).reduce((a, b) => a + b, 0);
      expect(kept).toBe(retained);
      expect(kept).toBeLessThanOrEqual(1000);
      // One record more would be over the bound: nothing was dropped that could stay.
      if (first > 0) expect(kept + (sizes[first - 1] ?? 0)).toBeGreaterThan(1000);
      expect(next).toBe(sizes.length);
    }
    await log.close();
  });

  it('[LIMITS-8] by age at a retention check: every record older than maxAgeMs goes, the newest too', async () => {
    const clock = { now: 1_000_000 };
    const log = await filled(tempDir(), clock);
    // Records were stamped 1_000_000 + 10 i; those of the last 300 ms stay.
    expect(await log.applyRetention({ maxAgeMs: 300 }, clock.now)).toBe(70);
    expect(log.bounds().first).toBe(70);
    const [oldest] = await log.read(0, { maxRecords: 1, maxBytes: 1 });
    expect(oldest?.timestamp).toBe(clock.now - 300);
    await log.applyRetention({ maxAgeMs: 300 }, clock.now + 1000);
    expect(log.bounds()).toEqual({ first: 100, next: 100, bytes: 0 });
    expect(await log.read(0, ALL)).toEqual([]);
    expect((await log.append([{ payload: bytes('x') }])).baseOffset).toBe(100);
    expect(await firstRead(log)).toBe(100);
    await log.close();
  });

  it('[LIMITS-8] ack-based: the first offset moves to the lowest cursor exactly', async () => {
    const clock = { now: 1_000_000 };
    const log = await filled(tempDir(), clock);
    expect(await log.applyRetention({}, clock.now, 47)).toBe(47);
    expect(log.bounds().first).toBe(47);
    expect(await firstRead(log)).toBe(47);
    expect(await log.applyRetention({}, clock.now, 1000)).toBe(53);
    expect(log.bounds()).toMatchObject({ first: 100, next: 100, bytes: 0 });
    await log.close();
  });

  it('keeps everything without a policy', async () => {
    const clock = { now: 1_000_000 };
    const log = await filled(tempDir(), clock);
    expect(await log.applyRetention({}, clock.now)).toBe(0);
    expect(log.bounds()).toMatchObject({ first: 0, next: 100 });
    await log.close();
  });

  it('[LIMITS-8] the first offset survives a restart; a damaged first-offset file falls back to the oldest segment', async () => {
    const dir = tempDir();
    const clock = { now: 1_000_000 };
    const log = await filled(dir, clock);
    await log.append([{ payload: bytes('x') }], { maxMessages: 42 });
    expect(log.bounds().first).toBe(59);
    const { bytes: kept } = log.bounds();
    await log.close();
    const reopened = await openLog(dir, { segmentBytes: 1300 });
    expect(reopened.bounds()).toMatchObject({ first: 59, next: 101, bytes: kept });
    expect(await firstRead(reopened)).toBe(59);
    await reopened.close();
    writeFileSync(join(dir, 'p0', FIRST_OFFSET_FILE), 'garbage');
    const fallback = await openLog(dir, { segmentBytes: 1300 });
    const oldest = segmentFiles(dir)[0];
    expect(fallback.bounds().first).toBe(oldest);
    await fallback.close();
  });

  it('[LIMITS-8] retention checks at once (dead-letter removals, say) each write the first offset, the last one wins', async () => {
    const dir = tempDir();
    const clock = { now: 1_000_000 };
    const log = await filled(dir, clock);
    const moves = Array.from({ length: 10 }, (_, i) => log.applyRetention({}, clock.now, i * 10));
    expect((await Promise.all(moves)).reduce((a, b) => a + b, 0)).toBe(90);
    await log.close();
    const reopened = await openLog(dir, { segmentBytes: 1300 });
    expect(reopened.bounds().first).toBe(90);
    await reopened.close();
  });

  it('[LIMITS-8] deep into a large partition: agrees with the memory log when the front is read ahead', async () => {
    const dir = tempDir();
    const clock = { now: 1_000_000 };
    const now = () => clock.now;
    const file = await openLog(dir, { durability: 'never', now });
    const memory = new MemoryPartitionLog(0, now);
    const logs: PartitionLog[] = [file, memory];
    // Far more records than the writer keeps starts for, so the front is read from the file.
    for (let i = 0; i < 12_000; i++) {
      const batch = [{ payload: new Uint8Array(i % 17), key: `k${i % 5}` }];
      if (i % 3 === 0) batch.push({ payload: new Uint8Array(3), key: 'second' });
      for (const log of logs) await log.append(batch, { maxMessages: 9000 });
      if (i % 1000 === 0) clock.now += 1;
    }
    expect(file.bounds()).toEqual(memory.bounds());
    for (const maxBytes of [60_000, 59_999, 12_345, 100]) {
      await Promise.all(logs.map((l) => l.applyRetention({ maxBytes }, clock.now)));
      expect(file.bounds()).toEqual(memory.bounds());
      expect(file.bounds().bytes).toBeLessThanOrEqual(maxBytes);
    }
    const [a, b] = await Promise.all(logs.map((l) => l.read(0, ALL)));
    expect(a?.map((r) => [r.offset, r.key, r.payload.length])).toEqual(
      b?.map((r) => [r.offset, r.key, r.payload.length]),
    );
    await file.close();
    await memory.close();
  });
});
