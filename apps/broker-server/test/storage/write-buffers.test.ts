import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WriteBuffers } from '../../src/storage/write-buffers.js';
import { bytes, openLog, text } from '../support/open-log.js';
import { useTempDirs } from '../support/temp-dir.js';

const tempDir = useTempDirs('write-buffers');
const KiB = 1024;

describe('write buffers', () => {
  it('hands out at least the size asked, and the same buffer again once given back', () => {
    const pool = new WriteBuffers(2, 1024 * KiB);
    const a = pool.take(100 * KiB);
    expect(a.length).toBeGreaterThanOrEqual(100 * KiB);
    pool.give(a);
    expect(pool.take(50 * KiB)).toBe(a);
    expect(pool.held.count).toBe(0);
  });

  it('takes the smallest idle buffer that fits', () => {
    const pool = new WriteBuffers(4, 1024 * KiB);
    const big = pool.take(900 * KiB);
    const small = pool.take(10 * KiB);
    pool.give(big);
    pool.give(small);
    expect(pool.take(1)).toBe(small);
    expect(pool.take(1)).toBe(big);
    expect(pool.held.count).toBe(0);
  });

  it('keeps at most maxIdle buffers, the larger ones, and none over maxBytes', () => {
    const pool = new WriteBuffers(2, 256 * KiB);
    const sizes = [64 * KiB, 128 * KiB, 256 * KiB];
    const taken = sizes.map((s) => pool.take(s));
    for (const b of taken) pool.give(b);
    expect(pool.held).toEqual({ count: 2, bytes: 384 * KiB });
    const huge = pool.take(1024 * KiB);
    expect(huge.length).toBe(1024 * KiB);
    pool.give(huge);
    expect(pool.held).toEqual({ count: 2, bytes: 384 * KiB });
  });

  it('[PROD-1] a log that reuses buffers stores every batch as given, whatever came before', async () => {
    // Flushes of decreasing then increasing size reuse buffers that still hold older bytes:
    // what is read back after a reopen (from disk, CRC checked) must be exactly what was appended.
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 70 * KiB }), { minLength: 1, maxLength: 3 }), {
          minLength: 1,
          maxLength: 8,
        }),
        async (batches) => {
          const dir = tempDir();
          const log = await openLog(dir);
          const expected: string[] = [];
          let n = 0;
          for (const sizes of batches) {
            const records = sizes.map((size) => {
              const body = `${n++}:`.padEnd(size, String.fromCharCode(97 + (n % 26)));
              expected.push(body);
              return { payload: bytes(body), key: `k${n}` };
            });
            await log.append(records);
          }
          await log.close();
          const reopened = await openLog(dir);
          const read = await reopened.read(0, { maxRecords: expected.length, maxBytes: 1 << 30 });
          await reopened.close();
          expect(read.map((r) => text(r.payload))).toEqual(expected);
        },
      ),
      { numRuns: 15 },
    );
  });
});
