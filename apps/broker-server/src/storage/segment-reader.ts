/**
 * Reading a segment: batches are fetched in large chunks, checked against
 * their CRC on every read, and records handed out as views into the chunk.
 */
import { type BatchHeader, checkBatch, decodeRecords } from './batch.js';
import { StorageError } from './errors.js';
import { recentWrites } from './recent-writes.js';
import type { Segment } from './segment.js';
import type { StoredRecord } from './types.js';

const READ_CHUNK_BYTES = 256 * 1024;

/**
 * Calls `visit` for every batch from `from` (a batch boundary) to the
 * segment's committed end, until it returns false. A chunk is never reused,
 * so what `visit` keeps of it stays valid.
 */
async function forEachBatch(
  segment: Segment,
  from: number,
  visit: (buf: Uint8Array, at: number, header: BatchHeader) => boolean,
  /** The file's bytes from `from` on, when they are in memory already. */
  first: Uint8Array = new Uint8Array(0),
): Promise<void> {
  const end = segment.size;
  let chunkStart = from;
  let chunk = first;
  let p = 0;
  while (chunkStart + p < end) {
    const check = checkBatch(chunk, p, chunk.length);
    if (check.kind === 'ok') {
      if (!visit(chunk, p, check.header)) return;
      p += check.header.size;
      continue;
    }
    const position = chunkStart + p;
    if (check.kind === 'corrupt') {
      throw new StorageError(
        'STORAGE_FAILED',
        `${segment.logPath}: ${check.reason} at position ${position}`,
      );
    }
    if (position + check.need > end) {
      throw new StorageError(
        'STORAGE_FAILED',
        `${segment.logPath}: the batch at position ${position} runs past the end`,
      );
    }
    chunk = new Uint8Array(Math.min(end - position, Math.max(check.need, READ_CHUNK_BYTES)));
    const got = await segment.handle.read(chunk, 0, chunk.length, position);
    if (got < check.need) {
      throw new StorageError(
        'STORAGE_FAILED',
        `${segment.logPath}: the file ends at ${position + got}, before its committed size ${end}`,
      );
    }
    if (got < chunk.length) chunk = chunk.subarray(0, got);
    chunkStart = position;
    p = 0;
  }
}

/** Appends records from `offset` on to `out` (see decodeRecords); returns the payload bytes collected. */
export async function readRecords(
  segment: Segment,
  offset: number,
  out: StoredRecord[],
  maxRecords: number,
  maxBytes: number,
  bytes: number,
): Promise<number> {
  const recent = recentWrites.lookup(segment, offset);
  await forEachBatch(
    segment,
    recent?.position ?? segment.positionFor(offset),
    (buf, at, header) => {
      if (header.baseOffset + header.count > offset) {
        bytes = decodeRecords(buf, at, header, offset, out, maxRecords, maxBytes, bytes);
      }
      return out.length < maxRecords && bytes < maxBytes;
    },
    recent?.bytes,
  );
  return bytes;
}

/** The first offset in the segment whose timestamp is at or after `timestamp`. */
export async function seekTimestamp(segment: Segment, timestamp: number): Promise<number> {
  let found = segment.nextOffset;
  await forEachBatch(segment, segment.positionForTime(timestamp), (_buf, _at, header) => {
    if (header.timestamp < timestamp) return true;
    found = header.baseOffset;
    return false;
  });
  return found;
}

/**
 * Whether `tail`, the bytes after the damage, holds a valid batch with an
 * offset at or after `nextOffset`: if so the damage is not a torn tail but
 * corruption of data that may have been acknowledged.
 */
export function holdsLaterBatch(tail: Uint8Array, nextOffset: number): boolean {
  for (let p = 1; p < tail.length; p++) {
    const check = checkBatch(tail, p, tail.length);
    if (check.kind === 'ok' && check.header.baseOffset >= nextOffset) return true;
  }
  return false;
}
