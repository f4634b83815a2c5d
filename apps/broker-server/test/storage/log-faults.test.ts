import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FilePartitionLog } from '../../src/storage/partition-log.js';
import type { StoredRecord } from '../../src/storage/types.js';
import { SimulatedFs, seededRandom } from '../../src/testing/simulated-fs.js';
import { crashPoints } from '../support/crash-points.js';
import { bytes, openLog, text } from '../support/open-log.js';

const all = { maxRecords: 1_000_000, maxBytes: 1 << 30 };
const DIR = '/data';

async function readAll(log: FilePartitionLog): Promise<StoredRecord[]> {
  return log.read(0, all);
}

describe('power loss (simulated)', () => {
  it('200 crashes during concurrent appends: 0 acknowledged appends lost, 0 partial records visible', async () => {
    const rng = seededRandom(20261125);
    const sim = new SimulatedFs();
    const acked = new Map<number, string>();
    const attempted = new Set<string>();
    let lost = 0;
    let partial = 0;
    const failures: unknown[] = [];
    for (let crash = 0; crash < 200; crash++) {
      const { fs, crashAfter } = crashPoints(sim, rng);
      const log = await openLog(DIR, { fs, segmentBytes: 4096 });
      const seen = await readAll(log);
      for (const r of seen) {
        if (!attempted.has(text(r.payload))) partial++;
      }
      const present = new Map(seen.map((r) => [r.offset, text(r.payload)]));
      for (const [offset, payload] of acked) if (present.get(offset) !== payload) lost++;
      const appenders = Array.from({ length: 1 + Math.floor(rng() * 16) }, async (_, a) => {
        for (let i = 0; ; i++) {
          const payload = `c${crash}-a${a}-i${i}-`.padEnd(8 + Math.floor(rng() * 200), 'x');
          attempted.add(payload);
          try {
            const result = await log.append([{ payload: bytes(payload) }]);
            acked.set(result.baseOffset, payload);
          } catch (e) {
            if (!crashed) failures.push(e);
            return;
          }
        }
      });
      let crashed = false;
      const powerFailed = crashAfter(1 + Math.floor(rng() * 60)).then(() => {
        crashed = true;
      });
      await Promise.race([powerFailed, Promise.all(appenders)]);
      await Promise.all(appenders);
    }
    const log = await openLog(DIR, { fs: sim, segmentBytes: 4096 });
    const present = new Map((await readAll(log)).map((r) => [r.offset, text(r.payload)]));
    for (const [offset, payload] of acked) if (present.get(offset) !== payload) lost++;
    console.log(
      `power loss: 200 crashes, ${acked.size} acknowledged appends, lost ${lost}, partial records ${partial}`,
    );
    expect(acked.size).toBeGreaterThan(1000);
    expect(lost).toBe(0);
    expect(partial).toBe(0);
    expect(failures).toEqual([]);
  });

  it('ENOSPC: no resolved append for unwritten data, the error surfaces, and the log goes on once space is back', async () => {
    const fs = new SimulatedFs();
    const log = await openLog(DIR, { fs });
    await log.append([{ payload: bytes('before') }]);
    fs.failWritesAfter(100);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        log.append([{ payload: bytes(`full-${i}`.padEnd(60, '.')) }]),
      ),
    );
    expect(
      results.every(
        (r) => r.status === 'rejected' && (r.reason as { code: string }).code === 'STORAGE_FULL',
      ),
    ).toBe(true);
    fs.failWritesAfter(undefined);
    expect((await log.append([{ payload: bytes('after') }])).baseOffset).toBe(1);
    expect((await readAll(log)).map((r) => text(r.payload))).toEqual(['before', 'after']);
    fs.crash(seededRandom(1));
    const reopened = await openLog(DIR, { fs });
    expect((await readAll(reopened)).map((r) => text(r.payload))).toEqual(['before', 'after']);
  });

  it('fdatasync failure: the append is rejected and the partition refuses every later write (no acking after EIO)', async () => {
    const fs = new SimulatedFs();
    const log = await openLog(DIR, { fs });
    await log.append([{ payload: bytes('durable') }]);
    fs.failNextDatasync('EIO');
    await expect(log.append([{ payload: bytes('lost') }])).rejects.toMatchObject({
      code: 'STORAGE_FAILED',
    });
    await expect(log.append([{ payload: bytes('refused') }])).rejects.toMatchObject({
      code: 'STORAGE_FAILED',
    });
    fs.crash(seededRandom(2));
    const reopened = await openLog(DIR, { fs });
    expect((await readAll(reopened)).map((r) => text(r.payload))[0]).toBe('durable');
    expect((await reopened.append([{ payload: bytes('fresh') }])).durability).toBe('always');
  });

  it('a failed write is rejected and rolled back; the next append follows the last good one', async () => {
    const fs = new SimulatedFs();
    const log = await openLog(DIR, { fs });
    await log.append([{ payload: bytes('one') }]);
    fs.failNextWrite('EIO');
    await expect(log.append([{ payload: bytes('two') }])).rejects.toMatchObject({
      code: 'STORAGE_FAILED',
    });
    expect((await log.append([{ payload: bytes('three') }])).baseOffset).toBe(1);
    expect((await readAll(log)).map((r) => text(r.payload))).toEqual(['one', 'three']);
  });

  it('a failed directory sync when rolling a segment rejects the appends of that flush', async () => {
    const fs = new SimulatedFs();
    const log = await openLog(DIR, { fs, segmentBytes: 100 });
    await log.append([{ payload: new Uint8Array(120) }]);
    fs.failNextSyncDir('EIO');
    await expect(log.append([{ payload: bytes('x') }])).rejects.toMatchObject({
      code: 'STORAGE_FAILED',
    });
  });
});

describe('model check', () => {
  type Op =
    | { kind: 'append'; sizes: number[] }
    | { kind: 'read'; from: number; max: number }
    | { kind: 'reopen' };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant('append' as const),
      sizes: fc.array(fc.nat(300), { minLength: 1, maxLength: 5 }),
    }),
    fc.record({
      kind: fc.constant('read' as const),
      from: fc.nat(200),
      max: fc.integer({ min: 1, max: 50 }),
    }),
    fc.record({ kind: fc.constant('reopen' as const) }),
  );

  it('append / read / reopen match a plain array', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const fs = new SimulatedFs();
        const model: string[] = [];
        let log = await openLog(DIR, { fs, segmentBytes: 700 });
        for (const o of ops) {
          if (o.kind === 'append') {
            const payloads = o.sizes.map((n, i) => `${model.length + i}:`.padEnd(n + 4, '~'));
            const { baseOffset } = await log.append(payloads.map((p) => ({ payload: bytes(p) })));
            expect(baseOffset).toBe(model.length);
            model.push(...payloads);
          } else if (o.kind === 'read') {
            const got = await log.read(o.from, { maxRecords: o.max, maxBytes: 1 << 20 });
            expect(got.map((r) => text(r.payload))).toEqual(model.slice(o.from, o.from + o.max));
          } else {
            await log.close();
            log = await openLog(DIR, { fs, segmentBytes: 700 });
          }
          expect(log.bounds().next).toBe(model.length);
        }
        await log.close();
      }),
      { numRuns: 100 },
    );
  });
});
