import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordLogBytes } from '../../src/storage/batch.js';
import { MemoryPartitionLog } from '../../src/storage/memory-log.js';
import type { FilePartitionLog } from '../../src/storage/partition-log.js';
import type { AppendRecord, PartitionLog, RetentionPolicy } from '../../src/storage/types.js';
import { openLog } from '../support/open-log.js';
import { useTempDirs } from '../support/temp-dir.js';

const tempDir = useTempDirs('retention-agreement');

type Step =
  | { kind: 'append'; records: AppendRecord[] }
  | { kind: 'retain'; deleteBelow?: number }
  | { kind: 'tick'; ms: number }
  | { kind: 'reopen' };

/**
 * Sizes from a small set, so that retention often lands exactly on a record's boundary; some
 * batches are larger than a memory log's first slab.
 */
const record: fc.Arbitrary<AppendRecord> = fc
  .record(
    {
      size: fc.constantFrom(0, 1, 10, 100, 250, 3000),
      key: fc.constantFrom('k', 'key-2'),
      msgId: fc.string({ maxLength: 6 }),
      headers: fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), {
        maxKeys: 2,
      }),
    },
    { requiredKeys: ['size'] },
  )
  .map(({ size, key, msgId, headers }) => {
    const r: AppendRecord = { payload: new Uint8Array(size).fill(size & 0xff) };
    if (key !== undefined) r.key = key;
    if (msgId !== undefined) r.msgId = msgId;
    if (headers !== undefined) r.headers = headers;
    return r;
  });

/** A station's policy, the same for every append of a run (as in the broker), sometimes none. */
const policy: fc.Arbitrary<RetentionPolicy> = fc.record(
  {
    maxMessages: fc.integer({ min: 0, max: 30 }),
    maxBytes: fc.integer({ min: 0, max: 8000 }),
    maxAgeMs: fc.integer({ min: 0, max: 200 }),
  },
  { requiredKeys: [] },
);

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      records: fc.array(record, { minLength: 1, maxLength: 6 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record(
      { kind: fc.constant('retain' as const), deleteBelow: fc.integer({ min: 0, max: 200 }) },
      { requiredKeys: ['kind'] },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      ms: fc.integer({ min: 0, max: 60 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
);

/** The rule written out: every record's log bytes and time, and where the first offset must be. */
class Model {
  readonly sizes: number[] = [];
  readonly times: number[] = [];
  first = 0;

  get next(): number {
    return this.sizes.length;
  }

  bytes(from = this.first): number {
    return this.sizes.slice(from).reduce((a, b) => a + b, 0);
  }

  append(records: AppendRecord[], timestamp: number, p: RetentionPolicy): void {
    for (const size of recordLogBytes(records)) {
      this.sizes.push(size);
      this.times.push(timestamp);
    }
    this.retain({ maxMessages: p.maxMessages, maxBytes: p.maxBytes }, undefined, undefined);
  }

  retain(p: RetentionPolicy, now: number | undefined, deleteBelow: number | undefined): number {
    const before = this.first;
    let target = this.first;
    if (p.maxMessages !== undefined) target = Math.max(target, this.next - p.maxMessages);
    if (p.maxBytes !== undefined)
      while (target < this.next && this.bytes(target) > p.maxBytes) target++;
    if (p.maxAgeMs !== undefined && now !== undefined)
      while (target < this.next && (this.times[target] as number) < now - p.maxAgeMs) target++;
    if (deleteBelow !== undefined) target = Math.max(target, Math.min(deleteBelow, this.next));
    this.first = target;
    return this.first - before;
  }
}

/** What a reader sees of a log: bounds, and every retained record. */
async function view(log: PartitionLog) {
  const { first, next, bytes } = log.bounds();
  const records = await log.read(0, { maxRecords: 10_000, maxBytes: 1 << 30 });
  return {
    first,
    next,
    bytes,
    records: records.map((r) => [
      r.offset,
      r.timestamp,
      r.payload.length,
      r.key,
      r.msgId,
      r.headers,
    ]),
  };
}

describe('file and memory logs agree under retention [LIMITS-8]', () => {
  it('[LIMITS-8] both keep what the rule says, to the record: first offset, reads, bytes, timestamps', async () => {
    const root = tempDir();
    await fc.assert(
      fc.asyncProperty(
        policy,
        fc.array(step, { minLength: 5, maxLength: 60 }),
        async (retention, steps) => {
          const clock = { now: 1_000_000 };
          const now = () => clock.now;
          const dir = mkdtempSync(join(root, 'run-'));
          // Small segments, so that retention crosses and deletes them.
          const open = () => openLog(dir, { durability: 'never', segmentBytes: 1500, now });
          let file: FilePartitionLog = await open();
          const memory = new MemoryPartitionLog(0, now);
          const model = new Model();
          try {
            for (const s of steps) {
              if (s.kind === 'append') {
                const [a, b] = await Promise.all([
                  file.append(s.records, retention),
                  memory.append(s.records, retention),
                ]);
                expect(a.baseOffset).toBe(model.next);
                expect([b.baseOffset, b.timestamp]).toEqual([a.baseOffset, a.timestamp]);
                model.append(s.records, a.timestamp, retention);
              } else if (s.kind === 'retain') {
                const dropped = model.retain(retention, clock.now, s.deleteBelow);
                const [a, b] = await Promise.all([
                  file.applyRetention(retention, clock.now, s.deleteBelow),
                  memory.applyRetention(retention, clock.now, s.deleteBelow),
                ]);
                expect([a, b]).toEqual([dropped, dropped]);
              } else if (s.kind === 'tick') {
                clock.now += s.ms;
              } else {
                await file.close();
                file = await open();
              }
              const seen = await view(memory);
              expect({ first: seen.first, next: seen.next, bytes: seen.bytes }).toEqual({
                first: model.first,
                next: model.next,
                bytes: model.bytes(),
              });
              expect(await view(file)).toEqual(seen);
              const ts = clock.now - 50;
              expect(await file.offsetForTimestamp(ts)).toBe(await memory.offsetForTimestamp(ts));
            }
          } finally {
            await file.close();
            await memory.close();
          }
        },
      ),
      { numRuns: 100 },
    );
  }, 300_000);
});
