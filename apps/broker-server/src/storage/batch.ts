/**
 * The on-disk record batch: one append() call, covered by one CRC32C.
 *
 *   batch  = u32 length (of what follows) | u32 crc32c (of what follows the crc)
 *          | u8 version | u8 reserved | u16 reserved
 *          | u32 baseOffset high | u32 baseOffset low | u32 timestamp high | u32 timestamp low
 *          | u32 record count | record*
 *   record = u32 length (of what follows) | u8 flags (1 key, 2 msgId, 4 headers)
 *          | [u16 len, key] | [u16 len, msgId] | [u16 count, (u16 len, name, u16 len, value)*]
 *          | payload (the rest)
 *
 * All integers are big-endian; every record of a batch shares its timestamp. The length and
 * CRC are the shared record framing (record-frame.ts), the length counting the CRC field.
 */
import { utf8Length } from '@ferry/protocol';
import { StorageError } from './errors.js';
import { Framing } from './record-frame.js';
import type { AppendRecord, StoredRecord } from './types.js';

export const BATCH_HEADER_BYTES = 32;
const RECORD_HEADER_BYTES = 5;
const VERSION = 1;
const HAS_KEY = 1;
const HAS_MSG_ID = 2;
const HAS_HEADERS = 4;
const U16 = 0xffff;
const HIGH = 0x1_0000_0000;

/** A batch length above this is a corrupt length field, not a batch. */
export const MAX_BATCH_BYTES = 256 * 1024 * 1024;

export const BATCH_FRAMING = new Framing({
  lengthCountsCrc: true,
  minSize: BATCH_HEADER_BYTES,
  maxSize: MAX_BATCH_BYTES,
});

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function shortString(s: string, what: string): number {
  const n = utf8Length(s);
  if (n > U16) throw new StorageError('INVALID_FIELD', `${what} of ${n} bytes is over ${U16}`);
  return n;
}

/** Bytes the headers take in a record: their count, then each name and value. */
function headersSize(headers: Record<string, string>): number {
  let size = 2;
  let count = 0;
  for (const name in headers) {
    size += 4 + shortString(name, 'header name') + shortString(headers[name] ?? '', 'header value');
    count++;
  }
  if (count > U16) throw new StorageError('INVALID_FIELD', `${count} headers is over ${U16}`);
  return size;
}

function putHeaders(
  buf: Uint8Array,
  view: DataView,
  pos: number,
  headers: Record<string, string>,
): number {
  const countAt = pos;
  pos += 2;
  let count = 0;
  for (const name in headers) {
    pos = putString(buf, view, pos, name);
    pos = putString(buf, view, pos, headers[name] ?? '');
    count++;
  }
  view.setUint16(countAt, count);
  return pos;
}

/**
 * The encoded headers of a frozen headers object, which cannot change, made once: every message
 * checked against a schema that had no headers of its own shares its version's frozen schema
 * headers, so they are not measured and encoded again for each record.
 */
const frozenHeaders = new WeakMap<object, Uint8Array>();

function sharedHeaders(headers: Record<string, string>): Uint8Array | undefined {
  if (!Object.isFrozen(headers)) return undefined;
  let encoded = frozenHeaders.get(headers);
  if (encoded === undefined) {
    encoded = new Uint8Array(headersSize(headers));
    putHeaders(encoded, new DataView(encoded.buffer), 0, headers);
    frozenHeaders.set(headers, encoded);
  }
  return encoded;
}

/** Bytes one record takes in a batch, its length field included. */
export function recordSize(r: AppendRecord): number {
  let size = RECORD_HEADER_BYTES + r.payload.length;
  if (r.key !== undefined) size += 2 + shortString(r.key, 'key');
  if (r.msgId !== undefined) size += 2 + shortString(r.msgId, 'msgId');
  if (r.headers !== undefined) size += sharedHeaders(r.headers)?.length ?? headersSize(r.headers);
  return size;
}

/**
 * Bytes each record of one append takes in the log, the batch header counted with the first:
 * what retention by bytes and a partition's byte count measure, the same in every engine.
 */
export function recordLogBytes(records: readonly AppendRecord[]): number[] {
  return records.map((r, i) => recordSize(r) + (i === 0 ? BATCH_HEADER_BYTES : 0));
}

/** Bytes the batch of `records` takes on disk. */
export function batchSize(records: readonly AppendRecord[]): number {
  let size = BATCH_HEADER_BYTES;
  for (const r of records) size += recordSize(r);
  return size;
}

function putString(buf: Uint8Array, view: DataView, pos: number, s: string): number {
  const { written } = encoder.encodeInto(s, buf.subarray(pos + 2));
  view.setUint16(pos, written);
  return pos + 2 + written;
}

/**
 * Encodes a batch of exactly `size` bytes (from batchSize) at `buf[pos..]`
 * and returns the position after it. `view` is a DataView over all of `buf`,
 * made once by the caller for every batch of a flush.
 */
export function writeBatch(
  buf: Uint8Array,
  view: DataView,
  pos: number,
  size: number,
  baseOffset: number,
  timestamp: number,
  records: readonly AppendRecord[],
): number {
  const start = pos;
  view.setUint32(pos + 8, VERSION << 24);
  view.setUint32(pos + 12, Math.floor(baseOffset / HIGH));
  view.setUint32(pos + 16, baseOffset % HIGH);
  view.setUint32(pos + 20, Math.floor(timestamp / HIGH));
  view.setUint32(pos + 24, timestamp % HIGH);
  view.setUint32(pos + 28, records.length);
  pos += BATCH_HEADER_BYTES;
  for (const r of records) {
    const recordStart = pos;
    let flags = 0;
    pos += RECORD_HEADER_BYTES;
    if (r.key !== undefined) {
      flags |= HAS_KEY;
      pos = putString(buf, view, pos, r.key);
    }
    if (r.msgId !== undefined) {
      flags |= HAS_MSG_ID;
      pos = putString(buf, view, pos, r.msgId);
    }
    if (r.headers !== undefined) {
      flags |= HAS_HEADERS;
      const shared = sharedHeaders(r.headers);
      if (shared === undefined) pos = putHeaders(buf, view, pos, r.headers);
      else {
        buf.set(shared, pos);
        pos += shared.length;
      }
    }
    buf.set(r.payload, pos);
    pos += r.payload.length;
    view.setUint32(recordStart, pos - recordStart - 4);
    view.setUint8(recordStart + 4, flags);
  }
  if (pos - start !== size)
    throw new StorageError('INTERNAL', `batch encoded to ${pos - start} bytes, expected ${size}`);
  BATCH_FRAMING.seal(buf, view, start, size);
  return pos;
}

export interface BatchHeader {
  /** Total bytes, the length field included. */
  size: number;
  baseOffset: number;
  timestamp: number;
  count: number;
}

/** The header of a batch known to be whole (one this process wrote): no CRC check. */
export function batchHeaderAt(view: DataView, pos: number): BatchHeader {
  return {
    size: view.getUint32(pos) + 4,
    baseOffset: view.getUint32(pos + 12) * HIGH + view.getUint32(pos + 16),
    timestamp: view.getUint32(pos + 20) * HIGH + view.getUint32(pos + 24),
    count: view.getUint32(pos + 28),
  };
}

export type BatchCheck =
  | { kind: 'ok'; header: BatchHeader }
  /** Fewer bytes than the batch needs: a torn tail, or the read stopped early. */
  | { kind: 'short'; need: number }
  | { kind: 'corrupt'; reason: string };

/**
 * Checks the batch at `buf[pos..end)`: length sane, all bytes present, CRC
 * matching. `need` of a short batch is its full size when the length field
 * was readable, so a reader can fetch exactly the missing bytes.
 */
export function checkBatch(buf: Uint8Array, pos: number, end: number): BatchCheck {
  if (end - pos < BATCH_HEADER_BYTES) return { kind: 'short', need: BATCH_HEADER_BYTES };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const size = BATCH_FRAMING.check(buf, view, pos, end);
  if (typeof size !== 'number') return size;
  if (view.getUint8(pos + 8) !== VERSION)
    return { kind: 'corrupt', reason: `unknown batch version ${view.getUint8(pos + 8)}` };
  return {
    kind: 'ok',
    header: {
      size,
      baseOffset: view.getUint32(pos + 12) * HIGH + view.getUint32(pos + 16),
      timestamp: view.getUint32(pos + 20) * HIGH + view.getUint32(pos + 24),
      count: view.getUint32(pos + 28),
    },
  };
}

function getString(buf: Uint8Array, view: DataView, pos: number): [string, number] {
  const len = view.getUint16(pos);
  return [decoder.decode(buf.subarray(pos + 2, pos + 2 + len)), pos + 2 + len];
}

/**
 * Decodes the records of a checked batch at `buf[pos..]` whose offset is at
 * least `from`, appending to `out` while it holds fewer than `maxRecords`
 * and `bytes` (the payload bytes collected so far) is under `maxBytes`.
 * Payloads are views into `buf`, not copies. Returns the new `bytes`.
 */
export function decodeRecords(
  buf: Uint8Array,
  pos: number,
  header: BatchHeader,
  from: number,
  out: StoredRecord[],
  maxRecords: number,
  maxBytes: number,
  bytes: number,
): number {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  pos += BATCH_HEADER_BYTES;
  for (let i = 0; i < header.count && out.length < maxRecords && bytes < maxBytes; i++) {
    const length = view.getUint32(pos);
    const next = pos + 4 + length;
    const offset = header.baseOffset + i;
    if (offset >= from) {
      const flags = view.getUint8(pos + 4);
      let p = pos + RECORD_HEADER_BYTES;
      const record: StoredRecord = { offset, timestamp: header.timestamp, payload: buf };
      if (flags & HAS_KEY) [record.key, p] = getString(buf, view, p);
      if (flags & HAS_MSG_ID) [record.msgId, p] = getString(buf, view, p);
      if (flags & HAS_HEADERS) {
        const count = view.getUint16(p);
        p += 2;
        const pairs: [string, string][] = [];
        for (let h = 0; h < count; h++) {
          let name: string;
          let value: string;
          [name, p] = getString(buf, view, p);
          [value, p] = getString(buf, view, p);
          pairs.push([name, value]);
        }
        // fromEntries defines own properties, so a header named __proto__ stays a header.
        record.headers = Object.fromEntries(pairs);
      }
      record.payload = buf.subarray(p, next);
      bytes += record.payload.length;
      out.push(record);
    }
    pos = next;
  }
  return bytes;
}

/**
 * Calls `visit` for each record of the batch at `view[pos..]` (its header `header`) that has a
 * msgId, with the record's offset and where the msgId's UTF-8 bytes are. Only the record
 * headers are read, never the payloads. Returns false, having stopped, if a record runs past
 * the batch: the caller checked the batch's length, not its CRC.
 */
export function forEachMsgId(
  view: DataView,
  pos: number,
  header: BatchHeader,
  visit: (offset: number, at: number, length: number) => void,
): boolean {
  const end = pos + header.size;
  let p = pos + BATCH_HEADER_BYTES;
  for (let i = 0; i < header.count; i++) {
    if (end - p < RECORD_HEADER_BYTES) return false;
    const next = p + 4 + view.getUint32(p);
    if (next > end) return false;
    const flags = view.getUint8(p + 4);
    let at = p + RECORD_HEADER_BYTES;
    if (flags & HAS_KEY) {
      if (at + 2 > next) return false;
      at += 2 + view.getUint16(at);
    }
    if (flags & HAS_MSG_ID) {
      if (at + 2 > next) return false;
      const length = view.getUint16(at);
      if (at + 2 + length > next) return false;
      visit(header.baseOffset + i, at + 2, length);
    }
    p = next;
  }
  return p === end;
}
