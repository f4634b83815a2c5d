/**
 * Produce: partition a batch of messages and append it, deduplicated by the backend, answering
 * once it is as durable as the station requires. [PROD-1] [PROD-2] [PROD-3] The station's count
 * and byte retention applies as part of each append [LIMITS-8], and the outcome reports the
 * durability the backend applied (memory for a memory station). [LIMITS-4]
 */
import {
  type Durability,
  FerryError,
  type Limits,
  type ProduceMessage,
  type ProduceResult,
  utf8Length,
} from '@ferry/protocol';
import type { AppendedRecord, AppendRecord, PartitionedRecord } from '../backend/types.js';
import type { Counter, Metrics } from '../metrics.js';
import { BrokerError } from './errors.js';
import type { Station } from './stations/station.js';

/** What became of a batch: the durability applied, and one result per message in order. */
export interface Produced {
  durability: Durability;
  results: ProduceResult[];
}

function errorResult(e: unknown): ProduceResult {
  if (e instanceof FerryError) return { kind: 'error', code: e.code, message: e.message };
  return { kind: 'error', code: 'INTERNAL', message: 'the message could not be stored' };
}

function resultOf(r: AppendedRecord): ProduceResult {
  if (r.kind === 'error') return errorResult(r.error);
  return { kind: 'ok', partition: r.partition, offset: r.offset, duplicate: r.duplicate };
}

/** Payload, header and key bytes together, as maxBatchBytes counts them. */
function batchBytes(messages: readonly ProduceMessage[]): number {
  let bytes = 0;
  for (const m of messages) {
    bytes += m.payload.length + (m.key === undefined ? 0 : utf8Length(m.key));
    for (const name in m.headers) bytes += utf8Length(name) + utf8Length(m.headers[name] ?? '');
  }
  return bytes;
}

export class Producer {
  private readonly written: Counter;
  private readonly duplicates: Counter;

  constructor(
    private readonly limits: Limits,
    metrics: Metrics,
  ) {
    this.written = metrics.counter('ferry_messages_produced_total', {
      help: 'Messages written to stations',
      labelNames: ['station'],
    });
    this.duplicates = metrics.counter('ferry_messages_duplicate_total', {
      help: 'Messages not written again: their msgId was seen within the dedup window',
      labelNames: ['station'],
    });
  }

  async produce(station: Station, messages: readonly ProduceMessage[]): Promise<Produced> {
    const bytes = batchBytes(messages);
    if (bytes > this.limits.maxBatchBytes) {
      throw new BrokerError(
        'BATCH_TOO_LARGE',
        `${bytes} bytes is over maxBatchBytes ${this.limits.maxBatchBytes}`,
      );
    }
    const results: (ProduceResult | undefined)[] = new Array(messages.length);
    const batch: PartitionedRecord[] = [];
    const indexes: number[] = [];
    messages.forEach((m, index) => {
      try {
        const partition = station.partitioner.choose(m.partition, m.key);
        const record: AppendRecord = { payload: m.payload };
        if (m.headers !== undefined) record.headers = m.headers;
        if (m.key !== undefined) record.key = m.key;
        if (m.msgId !== undefined) record.msgId = m.msgId;
        batch.push({ partition, record });
        indexes.push(index);
      } catch (e) {
        results[index] = errorResult(e);
      }
    });
    const outcome = await station.backend.append(batch, station.config.retention);
    let written = 0;
    let duplicates = 0;
    outcome.results.forEach((r, i) => {
      if (r.kind === 'ok') {
        if (r.duplicate) duplicates++;
        else written++;
      }
      results[indexes[i] as number] = resultOf(r);
    });
    const labels = { station: station.name };
    if (written > 0) this.written.inc(labels, written);
    if (duplicates > 0) this.duplicates.inc(labels, duplicates);
    return {
      durability: outcome.durability,
      results: results.map((r) => r ?? errorResult(undefined)),
    };
  }
}
