import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeFs } from '../../src/storage/fs/node-fs.js';
import { segmentReads } from '../support/counting-fs.js';
import { bytes, openLog, text } from '../support/open-log.js';
import { useTempDirs } from '../support/temp-dir.js';

const tempDir = useTempDirs('active-index');
const all = { maxRecords: 100_000, maxBytes: 1 << 30 };

describe('the active segment after a clean close [LIMITS-3]', () => {
  it('[LIMITS-3] a small one gets no index: a scan is quicker', async () => {
    const dir = tempDir();
    const log = await openLog(dir);
    await log.append([{ payload: bytes('small') }]);
    await log.close();
    expect(readdirSync(join(dir, 'p0')).filter((f) => f.endsWith('.idx'))).toEqual([]);
    const reopened = await openLog(dir);
    expect(reopened.bounds().next).toBe(1);
    await reopened.close();
  });

  it('[LIMITS-3] a clean close writes the index of a large one, so the next start reads only its tail; appends after it are found by a scan', async () => {
    const dir = tempDir();
    const log = await openLog(dir);
    for (let i = 0; i < 300; i++)
      await log.append([{ payload: bytes(`record-${i}`.padEnd(4000, '.')) }]);
    await log.close();
    const files = readdirSync(join(dir, 'p0'));
    expect(files.filter((f) => f.endsWith('.idx'))).toHaveLength(1);
    const segment = join(dir, 'p0', files.find((f) => f.endsWith('.log')) as string);
    const size = statSync(segment).size;

    const counting = segmentReads(nodeFs);
    const reopened = await openLog(dir, { fs: counting.fs });
    expect([...counting.logBytes.values()].reduce((a, b) => a + b, 0)).toBeLessThan(size / 4);
    expect(reopened.bounds().next).toBe(300);
    await reopened.append([{ payload: bytes('after the restart') }]);
    // No close: as after kill -9, the index on disk no longer matches the file.

    const recovered = await openLog(dir);
    const records = await recovered.read(0, all);
    expect(records).toHaveLength(301);
    expect(text(records.at(-1)?.payload ?? new Uint8Array())).toBe('after the restart');
    await recovered.close();
    await reopened.close();
  });
});
