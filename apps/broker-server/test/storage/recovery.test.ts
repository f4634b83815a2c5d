import { readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordingLogger } from '../support/logs.js';
import { bytes, openLog, text } from '../support/open-log.js';
import { useTempDirs } from '../support/temp-dir.js';

const tempDir = useTempDirs('recovery');
const all = { maxRecords: 100_000, maxBytes: 1 << 30 };

function segmentFiles(dir: string): string[] {
  return readdirSync(join(dir, 'p0'))
    .filter((f) => /^\d{20}\.log$/.test(f))
    .sort()
    .map((f) => join(dir, 'p0', f));
}

describe('recovery of the active segment', () => {
  it('opens after a cut at every byte inside the last 3 records, with every earlier record present', async () => {
    const dir = tempDir();
    const log = await openLog(dir);
    const ends: number[] = [];
    for (let i = 0; i < 10; i++) {
      await log.append([{ payload: bytes(`record-${i}`), key: `k${i}` }]);
      ends.push(log.bounds().bytes);
    }
    await log.close();
    const [file] = segmentFiles(dir);
    if (file === undefined) throw new Error('no segment');
    const full = readFileSync(file);
    const from = ends[6] as number;
    for (let cut = from; cut < full.length; cut++) {
      writeFileSync(file, full.subarray(0, cut));
      for (const f of readdirSync(join(dir, 'p0')).filter((n) => n.includes('.torn-')))
        unlinkSync(join(dir, 'p0', f));
      const logger = recordingLogger();
      const reopened = await openLog(dir, { log: logger });
      const complete = ends.filter((end) => end <= cut).length;
      const records = await reopened.read(0, all);
      expect(records.map((r) => text(r.payload))).toEqual(
        Array.from({ length: complete }, (_, i) => `record-${i}`),
      );
      expect((await reopened.append([{ payload: bytes('next') }])).baseOffset).toBe(complete);
      expect(logger.lines.some((l) => l.message === 'torn tail truncated')).toBe(
        cut !== ends[complete - 1],
      );
      await reopened.close();
    }
  });

  it('opens after garbage was appended, truncating it and keeping it aside', async () => {
    for (const garbage of [
      new Uint8Array([0]),
      new Uint8Array(31).fill(0xff),
      Uint8Array.from({ length: 4000 }, (_, i) => (i * 7919) & 0xff),
      new Uint8Array([0, 0, 0, 40, 1, 2, 3, 4, ...new Uint8Array(40)]),
    ]) {
      const dir = tempDir();
      const log = await openLog(dir);
      for (let i = 0; i < 5; i++) await log.append([{ payload: bytes(`r${i}`) }]);
      await log.close();
      const [file] = segmentFiles(dir);
      if (file === undefined) throw new Error('no segment');
      writeFileSync(file, Buffer.concat([readFileSync(file), garbage]));
      const logger = recordingLogger();
      const reopened = await openLog(dir, { log: logger });
      expect((await reopened.read(0, all)).map((r) => text(r.payload))).toEqual([
        'r0',
        'r1',
        'r2',
        'r3',
        'r4',
      ]);
      const torn = readdirSync(join(dir, 'p0')).filter((n) => n.includes('.torn-'));
      expect(torn).toHaveLength(1);
      expect(new Uint8Array(readFileSync(join(dir, 'p0', torn[0] as string)))).toEqual(garbage);
      expect(logger.lines.map((l) => l.level)).toContain('warn');
      await reopened.close();
    }
  });

  it('reports loudly when valid data follows the damage (bit rot, not a torn write)', async () => {
    const dir = tempDir();
    const log = await openLog(dir);
    for (let i = 0; i < 5; i++) await log.append([{ payload: bytes(`r${i}`) }]);
    const cutAt = (await log.read(0, all)).length && log.bounds().bytes;
    await log.append([{ payload: bytes('damaged') }]);
    await log.append([{ payload: bytes('after') }]);
    await log.close();
    const [file] = segmentFiles(dir);
    if (file === undefined) throw new Error('no segment');
    const content = readFileSync(file);
    content[cutAt + 40] = (content[cutAt + 40] as number) ^ 0x10;
    writeFileSync(file, content);
    const logger = recordingLogger();
    const reopened = await openLog(dir, { log: logger });
    expect(logger.lines.find((l) => l.level === 'error')?.message).toMatch(
      /damaged before valid data/,
    );
    expect((await reopened.read(0, all)).map((r) => text(r.payload))).toEqual([
      'r0',
      'r1',
      'r2',
      'r3',
      'r4',
    ]);
    await reopened.close();
  });
});

describe('corruption of a sealed segment', () => {
  async function sealedLog(dir: string) {
    const log = await openLog(dir, { segmentBytes: 1000 });
    for (let i = 0; i < 60; i++)
      await log.append([{ payload: bytes(`payload-${i}`.padEnd(40, '-')) }]);
    await log.close();
    return segmentFiles(dir);
  }

  function flipBit(file: string, position: number): void {
    const content = readFileSync(file);
    content[position] = (content[position] as number) ^ 0x04;
    writeFileSync(file, content);
  }

  it('is detected on read, reported, quarantined and never served', async () => {
    const dir = tempDir();
    const files = await sealedLog(dir);
    expect(files.length).toBeGreaterThan(2);
    flipBit(files[0] as string, 500);
    const logger = recordingLogger();
    const log = await openLog(dir, { segmentBytes: 1000, log: logger });
    // The batches before the damage passed their CRC and are served; the damaged one never is.
    const good = await log.read(0, all);
    expect(good.map((r) => r.offset)).toEqual(Array.from({ length: good.length }, (_, i) => i));
    expect(good.every((r) => text(r.payload).startsWith(`payload-${r.offset}-`))).toBe(true);
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([
      'corrupt segment quarantined: its records are not served',
    ]);
    await expect(log.read(good.length, all)).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
    await expect(log.read(0, { maxRecords: 1, maxBytes: 1 })).rejects.toMatchObject({
      code: 'STORAGE_FAILED',
    });
    const later = await log.read(40, { maxRecords: 5, maxBytes: 1 << 20 });
    expect(later.map((r) => r.offset)).toEqual([40, 41, 42, 43, 44]);
    expect(log.bounds().next).toBe(60);
    await log.close();
  });

  it('is detected at open when the index is missing, and never dropped', async () => {
    const dir = tempDir();
    const files = await sealedLog(dir);
    flipBit(files[1] as string, 100);
    rmSync(`${(files[1] as string).slice(0, -4)}.idx`);
    const logger = recordingLogger();
    const log = await openLog(dir, { segmentBytes: 1000, log: logger });
    expect(logger.lines.filter((l) => l.level === 'error')).toHaveLength(1);
    const firstSegment = await log.read(0, { maxRecords: 1000, maxBytes: 1 << 20 });
    expect(firstSegment.length).toBeGreaterThan(0);
    const next = (firstSegment.at(-1)?.offset ?? 0) + 1;
    await expect(log.read(next, all)).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
    expect(segmentFiles(dir)).toEqual(files);
    await log.close();
  });
});
