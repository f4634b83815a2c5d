import { describe, expect, it } from 'vitest';
import type { FilePartitionLog } from '../../src/storage/partition-log.js';
import { bytes, openLog } from '../support/open-log.js';
import { useTempDirs } from '../support/temp-dir.js';

const tempDir = useTempDirs('retention');

/** 100 records of 100 B in segments of about 10 records, one timestamp per 10 ms. */
async function filled(dir: string, clock: { now: number }): Promise<FilePartitionLog> {
  const log = await openLog(dir, { segmentBytes: 1300, now: () => clock.now });
  for (let i = 0; i < 100; i++) {
    await log.append([{ payload: new Uint8Array(100).fill(i) }]);
    clock.now += 10;
  }
  return log;
}

async function segmentStarts(log: FilePartitionLog): Promise<number[]> {
  const starts: number[] = [];
  for (const r of await log.read(0, { maxRecords: 1000, maxBytes: 1 << 20 })) {
    const [again] = await log.read(r.offset, { maxRecords: 1, maxBytes: 1 });
    if (again !== undefined && (starts.length === 0 || r.offset % 10 === 0)) starts.push(r.offset);
  }
  return starts;
}

describe('retention deletes whole sealed segments, and exactly those', () => {
  it('by message count: keeps at least maxMessages, deletes every segment it can', async () => {
    const clock = { now: 1_000_000 };
    const log = await filled(tempDir(), clock);
    const deleted = await log.applyRetention({ maxMessages: 35 }, clock.now);
    const { first, next } = log.bounds();
    expect(next - first).toBeGreaterThanOrEqual(35);
    expect(deleted).toBe(first);
    const nextSegmentEnd = (await log.read(first, { maxRecords: 1000, maxBytes: 1 << 20 })).length;
    expect(next - first).toBe(nextSegmentEnd);
    // One more segment gone would leave fewer than 35.
    expect(next - first).toBeLessThan(35 + 13);
    expect((await log.read(0, { maxRecords: 1, maxBytes: 1 }))[0]?.offset).toBe(first);
    await log.close();
  });

  it('by bytes', async () => {
    const clock = { now: 1_000_000 };
    const log = await filled(tempDir(), clock);
    const before = log.bounds();
    await log.applyRetention({ maxBytes: 5000 }, clock.now);
    const after = log.bounds();
    expect(after.bytes).toBeGreaterThanOrEqual(5000);
    expect(after.bytes).toBeLessThan(5000 + 1300);
    expect(before.next).toBe(after.next);
    await log.close();
  });

  it('by age: deletes segments whose newest record is older than maxAge', async () => {
    const clock = { now: 1_000_000 };
    const log = await filled(tempDir(), clock);
    // Records were stamped 1_000_000 + 10 i; keep those of the last 300 ms.
    await log.applyRetention({ maxAgeMs: 300 }, clock.now);
    const [oldest] = await log.read(0, { maxRecords: 1, maxBytes: 1 });
    const kept = log.bounds();
    expect(oldest?.timestamp).toBeLessThanOrEqual(clock.now - 300);
    const segmentOfOldest = await log.read(kept.first, { maxRecords: 1000, maxBytes: 1 << 20 });
    expect(segmentOfOldest.some((r) => r.timestamp >= clock.now - 300)).toBe(true);
    await log.close();
  });

  it('ack-based: deletes segments entirely below the lowest cursor, never the one holding it', async () => {
    const clock = { now: 1_000_000 };
    const log = await filled(tempDir(), clock);
    await log.applyRetention({}, clock.now, 47);
    const { first } = log.bounds();
    expect(first).toBeLessThanOrEqual(47);
    expect(first).toBeGreaterThan(47 - 13);
    await log.applyRetention({}, clock.now, 1000);
    expect(log.bounds().first).toBeLessThan(100);
    expect(log.bounds().next).toBe(100);
    await log.close();
  });

  it('keeps everything without a policy, and the active segment always', async () => {
    const clock = { now: 1_000_000 };
    const log = await filled(tempDir(), clock);
    expect(await log.applyRetention({}, clock.now)).toBe(0);
    await log.applyRetention({ maxMessages: 0, maxBytes: 0, maxAgeMs: 0 }, clock.now + 1e9);
    expect(log.bounds().next).toBe(100);
    expect(log.bounds().next - log.bounds().first).toBeGreaterThan(0);
    expect((await log.append([{ payload: bytes('x') }])).baseOffset).toBe(100);
    expect(await segmentStarts(log)).not.toHaveLength(0);
    await log.close();
  });
});
