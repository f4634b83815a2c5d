/**
 * A Ferry record as a NATS message: the payload is the message body; headers, key and msgId ride
 * in one `Ferry-Meta` header as JSON (NATS header values may not hold line breaks, JSON escapes
 * them), so a plain NATS subscriber still sees the payload as sent. The append time is the
 * stream's own timestamp, and the offset its sequence less one.
 */
import { type MsgHdrs, headers as natsHeaders } from '@nats-io/transport-node';
import type { AppendRecord, StoredRecord } from '../backend/types.js';

export const META_HEADER = 'Ferry-Meta';
export const MSG_ID_HEADER = 'Nats-Msg-Id';

interface Meta {
  h?: Record<string, string>;
  k?: string;
  i?: string;
}

/** The NATS headers of a record (undefined when it has none); `dedupId` sets Nats-Msg-Id. */
export function recordHeaders(record: AppendRecord, dedupId?: string): MsgHdrs | undefined {
  const meta: Meta = {};
  if (record.headers !== undefined) meta.h = record.headers;
  if (record.key !== undefined) meta.k = record.key;
  if (record.msgId !== undefined) meta.i = record.msgId;
  const hasMeta = meta.h !== undefined || meta.k !== undefined || meta.i !== undefined;
  if (!hasMeta && dedupId === undefined) return undefined;
  const h = natsHeaders();
  if (hasMeta) h.set(META_HEADER, JSON.stringify(meta));
  if (dedupId !== undefined) h.set(MSG_ID_HEADER, dedupId);
  return h;
}

/** The Nats-Msg-Id of a msgId: any string as a header value, one to one. */
export function dedupIdOf(msgId: string): string {
  return encodeURIComponent(msgId);
}

/** The record a stored NATS message holds. */
export function storedRecord(
  seq: number,
  timestampMs: number,
  data: Uint8Array,
  headers: MsgHdrs | undefined,
): StoredRecord {
  const record: StoredRecord = { offset: seq - 1, timestamp: timestampMs, payload: data };
  const raw = headers?.get(META_HEADER);
  if (raw) {
    const meta = JSON.parse(raw) as Meta;
    if (meta.h !== undefined) record.headers = meta.h;
    if (meta.k !== undefined) record.key = meta.k;
    if (meta.i !== undefined) record.msgId = meta.i;
  }
  return record;
}

/** Bytes a NATS message of this record takes on the wire (payload and header block). */
export function wireBytes(data: Uint8Array, headers: MsgHdrs | undefined): number {
  return (
    data.byteLength +
    (headers === undefined
      ? 0
      : (headers as unknown as { encode(): Uint8Array }).encode().byteLength)
  );
}
