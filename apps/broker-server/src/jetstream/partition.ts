/**
 * One station partition as one JetStream stream: its sequences are the partition's offsets plus
 * one, so offsets stay consecutive per partition (a stream per station with a subject per
 * partition would interleave them). Reads go to the stream leader, so a read follows the
 * appends it was told about.
 */
import type { StoredMsg, StreamState } from '@nats-io/jetstream';
import type { PartitionBounds, ReadOptions, StoredRecord } from '../backend/types.js';
import type { JsContext } from './context.js';
import { isNotFound, jsError } from './errors.js';
import { storedRecord } from './records.js';

/** Messages fetched at once by a read; each is one call to the stream leader. */
const READ_AHEAD = 32;

export function boundsOf(state: StreamState): PartitionBounds {
  const next = state.last_seq;
  const first = state.messages === 0 ? next : state.first_seq - 1;
  return { first, next, bytes: state.bytes };
}

export function recordOf(m: StoredMsg): StoredRecord {
  return storedRecord(m.seq, m.time.getTime(), m.data, m.header);
}

export class PartitionStream {
  constructor(
    private readonly ctx: JsContext,
    readonly partition: number,
    readonly stream: string,
    readonly subject: string,
  ) {}

  async bounds(): Promise<PartitionBounds> {
    return boundsOf(await this.state());
  }

  async state(): Promise<StreamState> {
    try {
      return (await this.ctx.jsm.streams.info(this.stream)).state;
    } catch (err) {
      throw jsError(`partition ${this.partition} could not be read`, err);
    }
  }

  /** The record at `offset`, or undefined when there is none (past the end, or dropped). */
  async get(offset: number): Promise<StoredRecord | undefined> {
    try {
      const m = await this.ctx.jsm.streams.getMessage(this.stream, { seq: offset + 1 });
      return m === null ? undefined : recordOf(m);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw jsError(`partition ${this.partition} could not be read`, err);
    }
  }

  async read(offset: number, options: ReadOptions): Promise<StoredRecord[]> {
    const { first, next } = await this.bounds();
    const out: StoredRecord[] = [];
    let bytes = 0;
    let at = Math.max(offset, first);
    while (at < next && out.length < options.maxRecords) {
      const n = Math.min(READ_AHEAD, next - at, options.maxRecords - out.length);
      const page = await Promise.all(Array.from({ length: n }, (_, i) => this.get(at + i)));
      for (const record of page) {
        // A gap is a message retention dropped while this read was under way.
        if (record === undefined) continue;
        if (out.length > 0 && bytes + record.payload.byteLength > options.maxBytes) return out;
        out.push(record);
        bytes += record.payload.byteLength;
        if (bytes >= options.maxBytes) return out;
      }
      at += n;
    }
    return out;
  }

  /** The first offset appended at or after `timestamp`: a binary search on message times. */
  async offsetForTimestamp(timestamp: number): Promise<number> {
    let { first: lo, next: hi } = await this.bounds();
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const record = await this.get(mid);
      if (record === undefined || record.timestamp < timestamp) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Drops the messages below `below` (all when undefined); resolves to how many were dropped. */
  async purge(below?: number): Promise<number> {
    try {
      if (below === undefined) return (await this.ctx.jsm.streams.purge(this.stream)).purged;
      const { first, next } = await this.bounds();
      // Purging past the end would move the next offset too: never past it.
      const to = Math.min(below, next);
      if (to <= first) return 0;
      return (await this.ctx.jsm.streams.purge(this.stream, { seq: to + 1 })).purged;
    } catch (err) {
      throw jsError(`partition ${this.partition} could not be purged`, err);
    }
  }

  /** Sets the stream's own limits, which it applies on every append. */
  async setLimits(maxMessages: number | undefined, maxBytes: number | undefined): Promise<void> {
    try {
      const { config } = await this.ctx.jsm.streams.info(this.stream);
      await this.ctx.jsm.streams.update(this.stream, {
        ...config,
        max_msgs: maxMessages ?? -1,
        max_bytes: maxBytes ?? -1,
      });
    } catch (err) {
      throw jsError(`the limits of partition ${this.partition} could not be set`, err);
    }
  }
}
