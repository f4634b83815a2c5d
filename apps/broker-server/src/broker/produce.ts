/**
 * Produce: partition, deduplicate and append a batch, and answer once it is
 * as durable as the station requires. [PROD-1] [PROD-2] [PROD-3] The station's
 * count and byte retention applies as part of each append [LIMITS-8], and the
 * ack reports the durability storage applied (memory for a memory station). [LIMITS-4]
 */
import {
  type Durability,
  FerryError,
  type Limits,
  type ProduceAckFrame,
  type ProduceFrame,
  type ProduceResult,
  utf8Length,
} from '@ferry/protocol';
import { StorageError } from '../storage/errors.js';
import type { AppendRecord, DedupEntry } from '../storage/types.js';
import type { Station } from './stations.js';

interface Pending {
  index: number;
  record: AppendRecord;
}

type Results = (ProduceResult | undefined)[];

function errorResult(e: unknown): ProduceResult {
  if (e instanceof FerryError) return { kind: 'error', code: e.code, message: e.message };
  return { kind: 'error', code: 'INTERNAL', message: 'the message could not be stored' };
}

function duplicateOf(entry: DedupEntry): ProduceResult {
  return { kind: 'ok', partition: entry.partition, offset: entry.offset, duplicate: true };
}

/** Payload, header and key bytes together, as maxBatchBytes counts them. */
function batchBytes(frame: ProduceFrame): number {
  let bytes = 0;
  for (const m of frame.messages) {
    bytes += m.payload.length + (m.key === undefined ? 0 : utf8Length(m.key));
    for (const name in m.headers) bytes += utf8Length(name) + utf8Length(m.headers[name] ?? '');
  }
  return bytes;
}

export class Producer {
  /** msgIds being written right now, per station, so a concurrent duplicate waits for the original. */
  private readonly inFlight = new Map<string, Promise<DedupEntry | undefined>>();

  constructor(private readonly limits: Limits) {}

  async produce(station: Station, frame: ProduceFrame): Promise<ProduceAckFrame> {
    const bytes = batchBytes(frame);
    if (bytes > this.limits.maxBatchBytes) {
      throw new StorageError(
        'BATCH_TOO_LARGE',
        `${bytes} bytes is over maxBatchBytes ${this.limits.maxBatchBytes}`,
      );
    }
    const results: Results = new Array(frame.messages.length);
    const byPartition = new Map<number, Pending[]>();
    const waits: Promise<void>[] = [];
    const firstInBatch = new Map<string, number>();
    const followers: [index: number, first: number][] = [];
    const settle = new Map<string, (entry: DedupEntry | undefined) => void>();
    const now = Date.now();
    // What storage did; the station's setting when nothing was appended (duplicates, errors).
    const applied: { durability?: Durability } = {};

    frame.messages.forEach((m, index) => {
      if (m.msgId !== undefined) {
        const original = station.store.dedupLookup(m.msgId, now);
        if (original !== undefined) {
          results[index] = duplicateOf(original);
          return;
        }
        const first = firstInBatch.get(m.msgId);
        if (first !== undefined) {
          followers.push([index, first]);
          return;
        }
        const key = `${station.name}\u0000${m.msgId}`;
        const writing = this.inFlight.get(key);
        if (writing !== undefined) {
          waits.push(
            writing.then((entry) => {
              results[index] =
                entry === undefined
                  ? {
                      kind: 'error',
                      code: 'INTERNAL',
                      message: 'the original of this msgId was not stored; retry',
                    }
                  : duplicateOf(entry);
            }),
          );
          return;
        }
        firstInBatch.set(m.msgId, index);
        this.inFlight.set(key, new Promise((resolve) => settle.set(key, resolve)));
      }
      try {
        const partition = station.partitioner.choose(m.partition, m.key);
        const record: AppendRecord = { payload: m.payload };
        if (m.headers !== undefined) record.headers = m.headers;
        if (m.key !== undefined) record.key = m.key;
        if (m.msgId !== undefined) record.msgId = m.msgId;
        const list = byPartition.get(partition);
        if (list === undefined) byPartition.set(partition, [{ index, record }]);
        else list.push({ index, record });
      } catch (e) {
        results[index] = errorResult(e);
      }
    });

    try {
      await Promise.all(
        [...byPartition].map(([p, list]) =>
          this.append(station, p, list, results, settle, applied),
        ),
      );
      await Promise.all(waits);
    } finally {
      for (const [key, resolve] of settle) {
        this.inFlight.delete(key);
        resolve(undefined);
      }
    }
    for (const [index, first] of followers) {
      const original = results[first];
      results[index] = original?.kind === 'ok' ? { ...original, duplicate: true } : original;
    }
    return {
      type: 'produceAck',
      id: frame.id,
      durability: applied.durability ?? station.config.durability,
      results: results.map((r) => r ?? errorResult(undefined)),
    };
  }

  private async append(
    station: Station,
    partition: number,
    list: Pending[],
    results: Results,
    settle: Map<string, (entry: DedupEntry | undefined) => void>,
    applied: { durability?: Durability },
  ): Promise<void> {
    try {
      const { baseOffset, timestamp, durability } = await station.store.partition(partition).append(
        list.map((p) => p.record),
        station.config.retention,
      );
      applied.durability = durability;
      list.forEach(({ index, record }, i) => {
        const entry: DedupEntry = { partition, offset: baseOffset + i, timestamp };
        results[index] = { kind: 'ok', partition, offset: entry.offset, duplicate: false };
        if (record.msgId === undefined) return;
        station.store.dedupRemember(record.msgId, entry);
        settle.get(`${station.name}\u0000${record.msgId}`)?.(entry);
      });
    } catch (e) {
      for (const { index } of list) results[index] = errorResult(e);
    }
  }
}
