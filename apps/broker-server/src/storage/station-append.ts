/**
 * A station's append with dedup inside it: a record whose msgId was seen within the dedup
 * window, earlier in the same batch, or in an append still being written, gets the original's
 * offset and is not written again. [PROD-3]
 */
import type { Durability } from '@ferry/protocol';
import type { AppendBatch, AppendedRecord, AppendOutcome } from '../backend/types.js';
import type { DedupIndex } from './dedup.js';
import { StorageError } from './errors.js';
import type { AppendRecord, DedupEntry, PartitionLog, RetentionPolicy } from './types.js';

const duplicateOf = (entry: DedupEntry): AppendedRecord => ({
  kind: 'ok',
  partition: entry.partition,
  offset: entry.offset,
  duplicate: true,
});

/** What a station's appends share: its partitions, its dedup index, and msgIds being written. */
export interface AppendTarget {
  partition(index: number): PartitionLog;
  readonly dedup: DedupIndex;
  /** msgIds being written right now, so a concurrent duplicate waits for the original. */
  readonly writing: Map<string, Promise<DedupEntry | undefined>>;
  readonly durability: Durability;
  now(): number;
}

export async function appendWithDedup(
  target: AppendTarget,
  { records, partitions }: AppendBatch,
  retention: RetentionPolicy | undefined,
): Promise<AppendOutcome> {
  if (partitions.length !== records.length)
    throw new StorageError(
      'INTERNAL',
      `${records.length} records with ${partitions.length} partitions`,
    );
  const results: (AppendedRecord | undefined)[] = new Array(records.length);
  // Indexes into `records`, per partition: numbers, so a batch allocates nothing per message here.
  const byPartition = new Map<number, number[]>();
  const waits: Promise<void>[] = [];
  const firstInBatch = new Map<string, number>();
  const followers: [index: number, first: number][] = [];
  const settle = new Map<string, (entry: DedupEntry | undefined) => void>();
  const now = target.now();
  // What storage did; the station's setting when nothing was appended (duplicates, errors).
  const applied: { durability?: Durability } = {};

  records.forEach(({ msgId }, index) => {
    const partition = partitions[index] as number;
    if (msgId !== undefined) {
      const original = target.dedup.lookup(msgId, now);
      if (original !== undefined) {
        results[index] = duplicateOf(original);
        return;
      }
      const first = firstInBatch.get(msgId);
      if (first !== undefined) {
        followers.push([index, first]);
        return;
      }
      const writing = target.writing.get(msgId);
      if (writing !== undefined) {
        waits.push(
          writing.then((entry) => {
            results[index] =
              entry === undefined
                ? {
                    kind: 'error',
                    error: new StorageError(
                      'INTERNAL',
                      'the original of this msgId was not stored; retry',
                    ),
                  }
                : duplicateOf(entry);
          }),
        );
        return;
      }
      firstInBatch.set(msgId, index);
      target.writing.set(msgId, new Promise((resolve) => settle.set(msgId, resolve)));
    }
    const list = byPartition.get(partition);
    if (list === undefined) byPartition.set(partition, [index]);
    else list.push(index);
  });

  try {
    await Promise.all(
      [...byPartition].map(async ([partition, list]) => {
        try {
          const log = target.partition(partition);
          // All of them, in order (one partition, no duplicates): as given, without a copy.
          const batch =
            list.length === records.length ? records : list.map((i) => records[i] as AppendRecord);
          const { baseOffset, timestamp, durability } = await log.append(batch, retention);
          applied.durability = durability;
          list.forEach((index, i) => {
            const offset = baseOffset + i;
            results[index] = { kind: 'ok', partition, offset, duplicate: false };
            const { msgId } = batch[i] as AppendRecord;
            if (msgId === undefined) return;
            const entry: DedupEntry = { partition, offset, timestamp };
            target.dedup.remember(msgId, entry, target.now());
            settle.get(msgId)?.(entry);
          });
        } catch (error) {
          for (const index of list) results[index] = { kind: 'error', error };
        }
      }),
    );
    await Promise.all(waits);
  } finally {
    for (const [msgId, resolve] of settle) {
      target.writing.delete(msgId);
      resolve(undefined);
    }
  }
  for (const [index, first] of followers) {
    const original = results[first];
    results[index] = original?.kind === 'ok' ? { ...original, duplicate: true } : original;
  }
  // Every record has its result by now; one missing is a bug, answered rather than left a hole.
  for (let i = 0; i < results.length; i++)
    results[i] ??= {
      kind: 'error',
      error: new StorageError('INTERNAL', 'the message could not be stored'),
    };
  return {
    durability: applied.durability ?? target.durability,
    results: results as AppendedRecord[],
  };
}
