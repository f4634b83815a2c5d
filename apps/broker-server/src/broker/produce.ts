/**
 * Produce: partition a batch of messages and append it, deduplicated by the backend, answering
 * once it is as durable as the station requires. [PROD-1] [PROD-2] [PROD-3] The station's count
 * and byte retention applies as part of each append [LIMITS-8], and the outcome reports the
 * durability the backend applied (memory for a memory station). [LIMITS-4]
 */
import {
  type Durability,
  type Limits,
  type ProduceMessage,
  type ProduceResult,
  type SchemaMode,
  utf8Length,
} from '@ferry/protocol';
import type { AppendedRecord, AppendOutcome, AppendRecord } from '../backend/types.js';
import type { Counter, Labels, Metrics } from '../metrics.js';
import { BrokerError, errorResult } from './errors.js';
import type { SchemaRegistry } from './schemas/registry.js';
import {
  type BatchSchema,
  hasSchemaHeaders,
  SCHEMA_GROUP,
  type Screened,
  type SetAside,
  screen,
} from './schemas/screen.js';
import type { Station } from './stations/station.js';

/** What became of a batch: the durability applied, and one result per message in order. */
export interface Produced {
  durability: Durability;
  results: ProduceResult[];
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

  private readonly violations: Counter;

  constructor(
    private readonly limits: Limits,
    private readonly schemas: SchemaRegistry,
    metrics: Metrics,
  ) {
    this.violations = metrics.counter('ferry_schema_violations_total', {
      help: 'Produced messages that failed the schema attached to their station (refused or dead-lettered)',
      labelNames: ['station'],
    });
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

  /** `options.mode` overrides the mode of the station's schema (a resend must not set aside again). */
  async produce(
    station: Station,
    messages: readonly ProduceMessage[],
    options: { mode?: SchemaMode } = {},
  ): Promise<Produced> {
    const bytes = batchBytes(messages);
    if (bytes > this.limits.maxBatchBytes) {
      throw new BrokerError(
        'BATCH_TOO_LARGE',
        `${bytes} bytes is over maxBatchBytes ${this.limits.maxBatchBytes}`,
      );
    }
    const { records, partitions, refused, setAside } =
      station.schema === undefined && !messages.some(hasSchemaHeaders)
        ? this.partition(station, messages)
        : screen(station, messages, this.batchSchema(station, options.mode), this.limits);
    let violations = setAside.length;
    for (const r of refused.values())
      if (r.kind === 'error' && r.code === 'SCHEMA_VIOLATION') violations++;
    if (violations > 0) this.violations.inc(this.labelsOf(station), violations);
    const [outcome] = await Promise.all([
      station.backend.append({ records, partitions }, station.config.retention),
      this.setAside(station, setAside, refused),
    ]);
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
    const results = refused.size === 0 ? outcome.results.map(resultOf) : merge(outcome, refused);
    const labels = this.labelsOf(station);
    if (written > 0) {
      this.written.inc(labels, written);
      this.writtenBytes.inc(labels, writtenBytes);
    }
    if (duplicates > 0) this.duplicates.inc(labels, duplicates);
    return { durability: outcome.durability, results };
  }

  /** The batch's messages as they are, each with its partition: nothing is copied per message. */
  private partition(station: Station, messages: readonly ProduceMessage[]): Screened {
    const partitions: number[] = [];
    const refused = new Map<number, ProduceResult>();
    messages.forEach((m, index) => {
      try {
        partitions.push(station.partitioner.choose(m.partition, m.key));
      } catch (e) {
        refused.set(index, errorResult(e));
      }
    });
    const records = refused.size === 0 ? messages : messages.filter((_, i) => !refused.has(i));
    return { records: records as AppendRecord[], partitions, refused, setAside: [] };
  }

  /** The version this batch is checked against, resolved once for all of it. [SCHEMA-8] */
  private batchSchema(station: Station, override?: SchemaMode): BatchSchema | undefined {
    const attached = station.schema;
    if (attached === undefined) return undefined;
    const mode = override ?? attached.mode;
    try {
      return { mode, resolved: this.schemas.resolve(attached.name, attached.version) };
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return { mode, failure: `the station's schema cannot be used: ${why}` };
    }
  }

  /**
   * Keeps the messages that failed their schema under mode deadletter in the station's
   * dead-letter store, never delivered to a group, and says so in their results. [SCHEMA-6]
   */
  private async setAside(
    station: Station,
    setAside: SetAside[],
    refused: Map<number, ProduceResult>,
  ): Promise<void> {
    const keep = station.config.deadLetter.enabled !== false;
    const now = Date.now();
    await Promise.all(
      setAside.map(async ({ index, partition, message, reason }) => {
        const result = { kind: 'error', code: 'SCHEMA_VIOLATION', message: reason } as const;
        if (!keep) {
          refused.set(index, result);
          return;
        }
        try {
          const deadLetterId = await station.backend.deadLetters.add({
            group: SCHEMA_GROUP,
            partition,
            offset: 0,
            timestamp: now,
            deadLetteredAt: now,
            deliveryCount: 0,
            reason,
            payload: message.payload,
            ...(message.headers === undefined ? {} : { headers: message.headers }),
            ...(message.key === undefined ? {} : { key: message.key }),
            ...(message.msgId === undefined ? {} : { msgId: message.msgId }),
          });
          refused.set(index, { ...result, deadLetterId });
        } catch (e) {
          refused.set(index, errorResult(e));
        }
      }),
    );
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
