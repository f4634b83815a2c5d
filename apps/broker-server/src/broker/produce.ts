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
import type { AppendedRecord, AppendOutcome, AppendRecord } from '../backend/types.js';
import type { Counter, Labels, Metrics } from '../metrics.js';
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

/** An appended record's result as the wire has it: an ok one is already in that shape. */
function resultOf(r: AppendedRecord): ProduceResult {
  return r.kind === 'error' ? errorResult(r.error) : r;
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
  private readonly writtenBytes: Counter;
  private readonly duplicates: Counter;
  /** Each station's label object, made once. */
  private readonly labels = new WeakMap<Station, Labels>();

  constructor(
    private readonly limits: Limits,
    metrics: Metrics,
  ) {
    this.written = metrics.counter('ferry_messages_produced_total', {
      help: 'Messages written to stations',
      labelNames: ['station'],
    });
    this.writtenBytes = metrics.counter('ferry_produced_bytes_total', {
      help: 'Payload bytes of the messages written to stations',
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
    const partitions: number[] = [];
    // Messages refused before the append (a partition that does not exist), by index.
    let refused: Map<number, ProduceResult> | undefined;
    messages.forEach((m, index) => {
      try {
        partitions.push(station.partitioner.choose(m.partition, m.key));
      } catch (e) {
        refused ??= new Map();
        refused.set(index, errorResult(e));
      }
    });
    // A message is a record as it is (payload, headers, key, msgId): nothing is copied per message.
    const records: readonly AppendRecord[] =
      refused === undefined ? messages : messages.filter((_, i) => !refused?.has(i));
    const outcome = await station.backend.append({ records, partitions }, station.config.retention);
    let written = 0;
    let writtenBytes = 0;
    let duplicates = 0;
    outcome.results.forEach((r, i) => {
      if (r.kind !== 'ok') return;
      if (r.duplicate) duplicates++;
      else {
        written++;
        writtenBytes += records[i]?.payload.length ?? 0;
      }
    });
    const results = refused === undefined ? outcome.results.map(resultOf) : merge(outcome, refused);
    const labels = this.labelsOf(station);
    if (written > 0) {
      this.written.inc(labels, written);
      this.writtenBytes.inc(labels, writtenBytes);
    }
    if (duplicates > 0) this.duplicates.inc(labels, duplicates);
    return { durability: outcome.durability, results };
  }

  private labelsOf(station: Station): Labels {
    let labels = this.labels.get(station);
    if (labels === undefined) {
      labels = { station: station.name };
      this.labels.set(station, labels);
    }
    return labels;
  }
}

/** The append's results with the refused messages back at their places. */
function merge(outcome: AppendOutcome, refused: Map<number, ProduceResult>): ProduceResult[] {
  const results: ProduceResult[] = [];
  let next = 0;
  for (let i = 0; i < outcome.results.length + refused.size; i++) {
    const own = refused.get(i);
    const appended = own === undefined ? outcome.results[next++] : undefined;
    results.push(own ?? (appended === undefined ? errorResult(undefined) : resultOf(appended)));
  }
  return results;
}
