import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeFs } from '../../src/storage/fs/node-fs.js';
import { countingFs } from '../support/counting-fs.js';
import { bytes, openLog, text } from '../support/open-log.js';
import { useTempDirs } from '../support/temp-dir.js';

const tempDir = useTempDirs('log');

describe('partition log', () => {
  it('appends and reads records with headers, key and msgId, offsets in order', async () => {
    const dir = tempDir();
    const log = await openLog(dir);
    const first = await log.append([
      { payload: bytes('a'), key: 'k1', msgId: 'm1', headers: { trace: 't' } },
      { payload: bytes('b') },
    ]);
    const second = await log.append([{ payload: bytes('c') }]);
    expect([first.baseOffset, second.baseOffset]).toEqual([0, 2]);
    expect(first.durability).toBe('always');
    expect(second.timestamp).toBeGreaterThanOrEqual(first.timestamp);
    const records = await log.read(0, { maxRecords: 10, maxBytes: 1 << 20 });
    expect(records.map((r) => [r.offset, text(r.payload), r.key, r.msgId, r.headers])).toEqual([
      [0, 'a', 'k1', 'm1', { trace: 't' }],
      [1, 'b', undefined, undefined, undefined],
      [2, 'c', undefined, undefined, undefined],
    ]);
    expect(await log.read(1, { maxRecords: 1, maxBytes: 1 << 20 })).toHaveLength(1);
    expect(await log.read(3, { maxRecords: 10, maxBytes: 1 << 20 })).toEqual([]);
    expect(log.bounds()).toMatchObject({ first: 0, next: 3 });
    await log.close();
  });

  it('records of the last small flush are read from memory, older and larger ones from the file', async () => {
    const dir = tempDir();
    const { fs, counts } = countingFs(nodeFs);
    const log = await openLog(dir, { fs });
    const read = (offset: number) => log.read(offset, { maxRecords: 100, maxBytes: 1 << 30 });
    await log.append([{ payload: bytes('a') }, { payload: bytes('b') }]);
    await log.append([{ payload: bytes('c') }]);
    counts.read = 0;
    expect((await read(2)).map((r) => text(r.payload))).toEqual(['c']);
    expect(counts.read).toBe(0);
    // From before the last flush: the file, then on into what is in memory.
    expect((await read(0)).map((r) => text(r.payload))).toEqual(['a', 'b', 'c']);
    expect(counts.read).toBeGreaterThan(0);
    counts.read = 0;
    const large = new Uint8Array(100 * 1024).fill(7);
    await log.append([{ payload: large }]);
    const [last] = await read(3);
    expect(counts.read).toBeGreaterThan(0);
    expect(last?.payload).toEqual(large);
    // What was read from memory stays intact when later flushes reuse their buffers.
    await log.append([{ payload: bytes('d') }]);
    const [d] = await read(4);
    await log.append([{ payload: bytes('e') }]);
    await log.append([{ payload: new Uint8Array(5000).fill(1) }]);
    expect(text(d?.payload ?? new Uint8Array())).toBe('d');
    await log.close();
  });

  it('group commit: concurrent appends share writes and fdatasyncs', async () => {
    const dir = tempDir();
    const { fs, counts } = countingFs(nodeFs);
    const log = await openLog(dir, { fs });
    const before = { ...counts };
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => log.append([{ payload: bytes(`m${i}`) }])),
    );
    expect(new Set(results.map((r) => r.baseOffset)).size).toBe(500);
    const syncs = counts.datasync - before.datasync;
    expect(syncs).toBeGreaterThanOrEqual(1);
    expect(syncs).toBeLessThan(50);
    expect(counts.write - before.write).toBe(syncs);
    await log.close();
  });

  it("durability 'never' acks without fdatasync; 'interval' syncs on its timer", async () => {
    const dir = tempDir();
    const never = countingFs(nodeFs);
    const log = await openLog(dir, { fs: never.fs, durability: 'never' });
    const syncsAtOpen = never.counts.datasync;
    expect((await log.append([{ payload: bytes('x') }])).durability).toBe('never');
    expect(never.counts.datasync).toBe(syncsAtOpen);
    await log.close();
    // Close syncs the log (and the index it writes for the next start).
    expect(never.counts.datasync).toBeGreaterThan(syncsAtOpen);

    const interval = countingFs(nodeFs);
    const log2 = await openLog(tempDir(), {
      fs: interval.fs,
      durability: 'interval',
      flushIntervalMs: 10,
    });
    const base = interval.counts.datasync;
    await log2.append([{ payload: bytes('y') }]);
    await new Promise((r) => setTimeout(r, 100));
    expect(interval.counts.datasync).toBeGreaterThan(base);
    await log2.close();
  });

  it('rolls segments by size, reads across them, and reopens from the index files', async () => {
    const dir = tempDir();
    const log = await openLog(dir, { segmentBytes: 2000 });
    for (let i = 0; i < 200; i++)
      await log.append([{ payload: bytes(`message-${i}`.padEnd(50, '.')) }]);
    const files = readdirSync(join(dir, 'p0'));
    expect(files.filter((f) => f.endsWith('.log')).length).toBeGreaterThan(5);
    expect(files.filter((f) => f.endsWith('.idx')).length).toBe(
      files.filter((f) => f.endsWith('.log')).length - 1,
    );
    const all = await log.read(0, { maxRecords: 1000, maxBytes: 1 << 20 });
    expect(all.map((r) => r.offset)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    for (const offset of [0, 37, 38, 99, 150, 199]) {
      const [r] = await log.read(offset, { maxRecords: 1, maxBytes: 1 });
      expect(text(r?.payload ?? new Uint8Array()).startsWith(`message-${offset}.`)).toBe(true);
    }
    await log.close();
    const reopened = await openLog(dir, { segmentBytes: 2000 });
    expect(reopened.bounds()).toMatchObject({ first: 0, next: 200 });
    expect((await reopened.read(123, { maxRecords: 1, maxBytes: 1 }))[0]?.offset).toBe(123);
    expect((await reopened.append([{ payload: bytes('after') }])).baseOffset).toBe(200);
    await reopened.close();
  });

  it('rolls segments by age', async () => {
    let now = 1_000_000;
    const dir = tempDir();
    const log = await openLog(dir, { segmentMs: 1000, now: () => now });
    await log.append([{ payload: bytes('old') }]);
    now += 1500;
    await log.append([{ payload: bytes('new') }]);
    expect(readdirSync(join(dir, 'p0')).filter((f) => f.endsWith('.log'))).toHaveLength(2);
    await log.close();
  });

  it('finds the first offset at or after a timestamp', async () => {
    let now = 5000;
    const log = await openLog(tempDir(), { segmentBytes: 300, now: () => now });
    for (let i = 0; i < 30; i++) {
      await log.append([{ payload: bytes(`p${i}`) }, { payload: bytes(`q${i}`) }]);
      now += 10;
    }
    expect(await log.offsetForTimestamp(0)).toBe(0);
    expect(await log.offsetForTimestamp(5000)).toBe(0);
    expect(await log.offsetForTimestamp(5001)).toBe(2);
    expect(await log.offsetForTimestamp(5150)).toBe(30);
    expect(await log.offsetForTimestamp(5290)).toBe(58);
    expect(await log.offsetForTimestamp(5291)).toBe(60);
    await log.close();
  });

  it('timestamps never go backwards, even when the clock does', async () => {
    let now = 10_000;
    const log = await openLog(tempDir(), { now: () => now });
    const a = await log.append([{ payload: bytes('a') }]);
    now = 5_000;
    const b = await log.append([{ payload: bytes('b') }]);
    expect(b.timestamp).toBe(a.timestamp);
    await log.close();
  });

  it('bounds the bytes waiting for the disk with OVERLOADED', async () => {
    const log = await openLog(tempDir(), { maxPendingBytes: 10_000 });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => log.append([{ payload: new Uint8Array(1000) }])),
    );
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    expect(
      rejected.every(
        (r) => r.status === 'rejected' && (r.reason as { code: string }).code === 'OVERLOADED',
      ),
    ).toBe(true);
    expect(log.bounds().next).toBe(results.length - rejected.length);
    await log.close();
  });
});
