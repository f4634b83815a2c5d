/**
 * A segment's msgIds, each with its offset and append time: what the dedup rebuild at start
 * needs of a segment (dedup.ts), a few bytes a record instead of the record. A sealed
 * segment's are written after its index, in its `.idx` file (segment.ts), so that they are
 * written, and deleted by retention, with it; the index loader never reads them.
 *
 *   block = u32 crc32c (of what follows) | u32 count | u64 segment size | u64 next offset
 *         | (u32 offset - base offset | u64 timestamp | u16 length | msgId)*   (big-endian)
 *
 * A block that is missing, torn, or of another content of the segment (its size and next
 * offset differ) is not used: the rebuild reads the segment's records instead.
 */
import { BATCH_HEADER_BYTES, batchHeaderAt, checkBatch, forEachMsgId } from './batch.js';
import { crc32c } from './crc.js';
import type { FileHandle } from './fs/types.js';

const BLOCK_HEADER_BYTES = 24;
const ENTRY_HEADER_BYTES = 14;
const SCAN_CHUNK_BYTES = 1024 * 1024;
const HIGH = 0x1_0000_0000;

const decoder = new TextDecoder('utf-8', { fatal: true });

/** msgIds with their offsets and append times, in offset order. */
export interface MsgIds {
  ids: string[];
  offsets: number[];
  timestamps: number[];
}

/** A segment's msgIds that are wanted, and the append time of its first msgId, wanted or not. */
export interface SegmentMsgIds extends MsgIds {
  firstTimestamp: number | undefined;
}

/** Where a segment ends: what its block must say to describe it. */
export interface SegmentExtent {
  baseOffset: number;
  size: number;
  nextOffset: number;
}

/** A growing block: entries appended as a segment's batches are read. */
class BlockBuilder {
  private buf = new Uint8Array(64 * 1024);
  private view = new DataView(this.buf.buffer);
  private length = BLOCK_HEADER_BYTES;
  private count = 0;

  constructor(private readonly baseOffset: number) {}

  add(offset: number, timestamp: number, id: Uint8Array): void {
    const need = this.length + ENTRY_HEADER_BYTES + id.length;
    if (need > this.buf.length) {
      const buf = new Uint8Array(Math.max(need, this.buf.length * 2));
      buf.set(this.buf.subarray(0, this.length));
      this.buf = buf;
      this.view = new DataView(buf.buffer);
    }
    const at = this.length;
    this.view.setUint32(at, offset - this.baseOffset);
    this.view.setUint32(at + 4, Math.floor(timestamp / HIGH));
    this.view.setUint32(at + 8, timestamp % HIGH);
    this.view.setUint16(at + 12, id.length);
    this.buf.set(id, at + ENTRY_HEADER_BYTES);
    this.length = need;
    this.count++;
  }

  finish(size: number, nextOffset: number): Uint8Array {
    const block = this.buf.subarray(0, this.length);
    const view = this.view;
    view.setUint32(4, this.count);
    view.setUint32(8, Math.floor(size / HIGH));
    view.setUint32(12, size % HIGH);
    view.setUint32(16, Math.floor(nextOffset / HIGH));
    view.setUint32(20, nextOffset % HIGH);
    view.setUint32(0, crc32c(block.subarray(4)));
    return block;
  }
}

/**
 * Reads the segment file's batches up to `extent.size` and returns the block of their msgIds;
 * undefined if a batch is not whole or not where the offsets say (the caller falls back to
 * what it did without). With `verify`, every batch's CRC is checked: bytes read back from disk
 * at start are; a segment being sealed is the writer's own, just synced, and only framed.
 */
export async function scanMsgIds(
  handle: FileHandle,
  extent: SegmentExtent,
  verify: boolean,
): Promise<Uint8Array | undefined> {
  const builder = new BlockBuilder(extent.baseOffset);
  let chunk = new Uint8Array(Math.min(SCAN_CHUNK_BYTES, Math.max(extent.size, 1)));
  let view = new DataView(chunk.buffer);
  let chunkStart = 0;
  let chunkEnd = 0;
  let pos = 0;
  let offset = extent.baseOffset;
  while (pos < extent.size) {
    const p = pos - chunkStart;
    const available = chunkEnd - pos;
    const size = available >= BATCH_HEADER_BYTES ? view.getUint32(p) + 4 : BATCH_HEADER_BYTES;
    if (size < BATCH_HEADER_BYTES || pos + size > extent.size) return undefined;
    if (available < size) {
      if (size > chunk.length) {
        chunk = new Uint8Array(size);
        view = new DataView(chunk.buffer);
      }
      const length = Math.min(chunk.length, extent.size - pos);
      if ((await handle.read(chunk, 0, length, pos)) !== length) return undefined;
      chunkStart = pos;
      chunkEnd = pos + length;
      continue;
    }
    let header = batchHeaderAt(view, p);
    if (verify) {
      const check = checkBatch(chunk, p, chunkEnd - chunkStart);
      if (check.kind !== 'ok') return undefined;
      header = check.header;
    }
    if (header.size !== size || header.baseOffset !== offset) return undefined;
    const { timestamp } = header;
    const whole = forEachMsgId(view, p, header, (at, from, length) =>
      builder.add(at, timestamp, chunk.subarray(from, from + length)),
    );
    if (!whole) return undefined;
    offset += header.count;
    pos += size;
  }
  if (offset !== extent.nextOffset) return undefined;
  return builder.finish(extent.size, extent.nextOffset);
}

/**
 * The msgIds of the block at `bytes[at..]` (to the end) with an offset from `minOffset` and a
 * timestamp from `since` on, or undefined unless the block is whole, its CRC right and it
 * describes `extent`.
 */
export function decodeMsgIds(
  bytes: Uint8Array,
  at: number,
  extent: SegmentExtent,
  minOffset: number,
  since: number,
): SegmentMsgIds | undefined {
  if (bytes.length - at < BLOCK_HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u64 = (p: number) => view.getUint32(p) * HIGH + view.getUint32(p + 4);
  if (view.getUint32(at) !== crc32c(bytes.subarray(at + 4))) return undefined;
  if (u64(at + 8) !== extent.size || u64(at + 16) !== extent.nextOffset) return undefined;
  const count = view.getUint32(at + 4);
  const found: SegmentMsgIds = {
    ids: [],
    offsets: [],
    timestamps: [],
    firstTimestamp: undefined,
  };
  let p = at + BLOCK_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (bytes.length - p < ENTRY_HEADER_BYTES) return undefined;
    const offset = extent.baseOffset + view.getUint32(p);
    const timestamp = u64(p + 4);
    const length = view.getUint16(p + 12);
    const end = p + ENTRY_HEADER_BYTES + length;
    if (end > bytes.length) return undefined;
    found.firstTimestamp ??= timestamp;
    if (offset >= minOffset && timestamp >= since) {
      found.ids.push(decoder.decode(bytes.subarray(p + ENTRY_HEADER_BYTES, end)));
      found.offsets.push(offset);
      found.timestamps.push(timestamp);
    }
    p = end;
  }
  return p === bytes.length ? found : undefined;
}
