/**
 * Appends with station-wide dedup. JetStream dedups per stream (Nats-Msg-Id within the stream's
 * duplicate window), but a Ferry msgId is unique per station, across partitions [PROD-2]. So a
 * record with a msgId first claims it in the station's claim stream, whose body names the
 * partition chosen; a claim found to be a duplicate names the partition the first one chose, and
 * the record goes there, where the partition's own dedup answers with the original's offset.
 * Two appends of one msgId racing meet at the claim, so it is written once. Claims come before
 * writes in one pipelined round each; records without a msgId take one round.
 */
import type { PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type {
  AppendBatch,
  AppendedRecord,
  AppendOutcome,
  AppendRecord,
  StationStoreConfig,
} from '../backend/types.js';
import { StorageError } from '../storage/errors.js';
import type { JsContext } from './context.js';
import { jsError } from './errors.js';
import type { StationNames } from './names.js';
import { publish } from './publish.js';
import { dedupIdOf, MSG_ID_HEADER, recordHeaders, wireBytes } from './records.js';

export class Appender {
  constructor(
    private readonly ctx: JsContext,
    private readonly names: StationNames,
    private readonly config: StationStoreConfig,
  ) {}

  async append(batch: AppendBatch): Promise<AppendOutcome> {
    const { records } = batch;
    const dedup = this.config.dedupWindowMs > 0;
    const partitions = dedup ? await this.claim(batch) : [...batch.partitions];
    const acks = records.map((record, i) =>
      this.publish(record, partitions[i] as number | Error, dedup),
    );
    const results = await Promise.all(
      acks.map(async (pending, i): Promise<AppendedRecord> => {
        try {
          const ack = await pending;
          return {
            kind: 'ok',
            partition: partitions[i] as number,
            offset: ack.seq - 1,
            duplicate: ack.duplicate,
          };
        } catch (error) {
          return { kind: 'error', error: jsError('the message was not stored', error) };
        }
      }),
    );
    return { durability: this.config.durability, results };
  }

  private publish(
    record: AppendRecord,
    partition: number | Error,
    dedup: boolean,
  ): Promise<PubAck> {
    if (partition instanceof Error) return Promise.reject(partition);
    const headers = recordHeaders(
      record,
      dedup && record.msgId !== undefined ? dedupIdOf(record.msgId) : undefined,
    );
    if (wireBytes(record.payload, headers) > this.ctx.maxPayload)
      return Promise.reject(
        new StorageError(
          'MESSAGE_TOO_LARGE',
          `the message with its headers is larger than the NATS servers' max_payload (${this.ctx.maxPayload} bytes)`,
        ),
      );
    return publish(this.ctx, this.names.partitionSubject(partition), record.payload, headers);
  }

  /** The partition of each record: the one asked, or the one its msgId was first claimed for. */
  private async claim(batch: AppendBatch): Promise<(number | Error)[]> {
    const claims = batch.records.map((record, i) => {
      if (record.msgId === undefined) return undefined;
      const h = natsHeaders();
      h.set(MSG_ID_HEADER, dedupIdOf(record.msgId));
      return publish(this.ctx, this.names.claimSubject, String(batch.partitions[i]), h);
    });
    return Promise.all(
      claims.map(async (pending, i) => {
        const asked = batch.partitions[i] as number;
        if (pending === undefined) return asked;
        try {
          const ack = await pending;
          if (!ack.duplicate) return asked;
          const first = await this.ctx.jsm.streams.getMessage(this.names.claimStream, {
            seq: ack.seq,
          });
          // The claim aged out between the two calls: the window has passed, the record is new.
          return first === null ? asked : Number(first.string());
        } catch (err) {
          return jsError('the msgId could not be checked for duplicates', err);
        }
      }),
    );
  }
}
