/**
 * One segment file of a partition log, with its sparse offset and time index
 * kept in memory and written beside it (`.idx`) when the segment is sealed,
 * followed there by the segment's msgIds (segment-ids.ts).
 */
import { join } from 'node:path';
import { type BatchHeader, checkBatch } from './batch.js';
import { crc32c } from './crc.js';
import type { FileHandle, FileSystem, OpenMode } from './fs/types.js';
import { writeFileCached, writeFileDurably } from './fs/write-file.js';
import { scanMsgIds } from './segment-ids.js';
import { SparseIndex } from './sparse-index.js';

/** One index entry per this many bytes of log: a read scans at most this much to find an offset. */
export const INDEX_INTERVAL_BYTES = 4096;
const SCAN_CHUNK_BYTES = 1024 * 1024;
/**
 * The active segment's index is written at a clean close from this size on: below it, the
 * next start scans the segment (a read or two) faster than it reads an index file.
 */
export const INDEX_AT_CLOSE_BYTES = SCAN_CHUNK_BYTES;
const INDEX_ENTRY_BYTES = 20;
const INDEX_HEADER_BYTES = 40;
const HIGH = 0x1_0000_0000;

export function segmentName(baseOffset: number): string {
  return String(baseOffset).padStart(20, '0');
}

/** Opens the segment of `dir` starting at `base`: sealed ones to read, the active one to append. */
export async function openSegment(
  fs: FileSystem,
  dir: string,
  base: number,
  mode: OpenMode,
): Promise<Segment> {
  const name = join(dir, segmentName(base));
  return new Segment(base, `${name}.log`, `${name}.idx`, await fs.open(`${name}.log`, mode));
}

/** A new, empty active segment whose directory entry is durable before anything in it is acknowledged. */
export async function createSegment(fs: FileSystem, dir: string, base: number): Promise<Segment> {
  const segment = await openSegment(fs, dir, base, 'create');
  await fs.syncDir(dir);
  return segment;
}

export class Segment {
  /** Bytes of complete, acknowledged batches (reads never go past it). */
  size = 0;
  nextOffset: number;
  firstTimestamp = 0;
  lastTimestamp = 0;
  /** Why the segment was quarantined; it is never read again once set. */
  corrupt: string | undefined;
  /** The log size the `.idx` file on disk describes, when it is known to be current. */
  indexedSize: number | undefined;
  readonly index = new SparseIndex();

  constructor(
    readonly baseOffset: number,
    readonly logPath: string,
    readonly indexPath: string,
    public handle: FileHandle,
  ) {
    this.nextOffset = baseOffset;
  }

  get records(): number {
    return this.nextOffset - this.baseOffset;
  }

  /** Accounts for a batch written at `position`; `header` describes it. */
  noteBatch(position: number, header: BatchHeader): void {
    if (this.records === 0) this.firstTimestamp = header.timestamp;
    this.lastTimestamp = header.timestamp;
    const entries = this.index.length;
    if (entries === 0 || position - this.index.position(entries - 1) >= INDEX_INTERVAL_BYTES) {
      this.index.push(header.baseOffset, position, header.timestamp);
    }
    this.nextOffset = header.baseOffset + header.count;
    this.size = position + header.size;
  }

  /** File position of the batch holding `offset`, or of one before it. */
  positionFor(offset: number): number {
    return this.floor((i) => this.index.offset(i) <= offset);
  }

  /** File position of a batch at or before the first one with a timestamp at or after `timestamp`. */
  positionForTime(timestamp: number): number {
    return this.floor((i) => this.index.timestamp(i) < timestamp);
  }

  /** Position of the last index entry satisfying `below` (monotonic over the index). */
  private floor(below: (entry: number) => boolean): number {
    let lo = 0;
    let hi = this.index.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (below(mid)) {
        found = this.index.position(mid);
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** The index block: header (crc, count, size, next offset, timestamps) then the entries. */
  encodeIndex(): Uint8Array {
    const buf = new Uint8Array(INDEX_HEADER_BYTES + this.index.length * INDEX_ENTRY_BYTES);
    const view = new DataView(buf.buffer);
    const u64 = (at: number, v: number) => {
      view.setUint32(at, Math.floor(v / HIGH));
      view.setUint32(at + 4, v % HIGH);
    };
    view.setUint32(4, this.index.length);
    u64(8, this.size);
    u64(16, this.nextOffset);
    u64(24, this.firstTimestamp);
    u64(32, this.lastTimestamp);
    for (let i = 0; i < this.index.length; i++) {
      const at = INDEX_HEADER_BYTES + i * INDEX_ENTRY_BYTES;
      u64(at, this.index.offset(i));
      view.setUint32(at + 8, this.index.position(i));
      u64(at + 12, this.index.timestamp(i));
    }
    view.setUint32(0, crc32c(buf.subarray(4)));
    return buf;
  }

  /** Loads a sealed segment's index; false (and nothing changed) unless it is intact and matches `fileSize`. */
  loadIndex(bytes: Uint8Array, fileSize: number): boolean {
    const view = indexView(bytes);
    if (view === undefined) return false;
    const u64 = (at: number) => view.getUint32(at) * HIGH + view.getUint32(at + 4);
    const count = view.getUint32(4);
    if (u64(8) !== fileSize) return false;
    this.size = u64(8);
    this.indexedSize = this.size;
    this.nextOffset = u64(16);
    this.firstTimestamp = u64(24);
    this.lastTimestamp = u64(32);
    for (let i = 0; i < count; i++) {
      const at = INDEX_HEADER_BYTES + i * INDEX_ENTRY_BYTES;
      this.index.push(u64(at), view.getUint32(at + 8), u64(at + 12));
    }
    this.index.trim();
    return true;
  }
}

/** Bytes of the index block whose header is at the start of `view`. */
function indexBlockBytes(view: DataView): number {
  return INDEX_HEADER_BYTES + view.getUint32(4) * INDEX_ENTRY_BYTES;
}

/**
 * A view over the index block at the start of an index file's bytes, or undefined unless
 * its length and CRC are right. What follows the block (a sealed segment's msgIds) is not its.
 */
function indexView(bytes: Uint8Array): DataView | undefined {
  if (bytes.length < INDEX_HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = indexBlockBytes(view);
  if (bytes.length < end) return undefined;
  if (view.getUint32(0) !== crc32c(bytes.subarray(4, end))) return undefined;
  return view;
}

/** What an intact index block says of its segment, and where the block ends in `bytes`. */
export interface IndexSummary {
  size: number;
  nextOffset: number;
  firstTimestamp: number;
  lastTimestamp: number;
  blockEnd: number;
}

export function indexSummary(bytes: Uint8Array): IndexSummary | undefined {
  const view = indexView(bytes);
  if (view === undefined) return undefined;
  const u64 = (at: number) => view.getUint32(at) * HIGH + view.getUint32(at + 4);
  return {
    size: u64(8),
    nextOffset: u64(16),
    firstTimestamp: u64(24),
    lastTimestamp: u64(32),
    blockEnd: indexBlockBytes(view),
  };
}

/**
 * The index block of the file at `path`, without the msgIds after it (the start never needs
 * those, and they are most of the file); undefined when there is no file.
 */
async function readIndexBlock(fs: FileSystem, path: string): Promise<Uint8Array | undefined> {
  let handle: FileHandle;
  try {
    handle = await fs.open(path, 'read');
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const header = new Uint8Array(INDEX_HEADER_BYTES);
    const got = await handle.read(header, 0, header.length, 0);
    if (got < header.length) return header.subarray(0, got);
    // A damaged count must not size the buffer: the file's size bounds it.
    const size = Math.min(indexBlockBytes(new DataView(header.buffer)), await handle.size());
    const block = new Uint8Array(Math.max(size, header.length));
    block.set(header);
    const length = block.length - header.length;
    const rest = await handle.read(block, header.length, length, header.length);
    return block.subarray(0, header.length + rest);
  } finally {
    await handle.close();
  }
}

/**
 * Loads the segment's `.idx`, if it is intact and matches the file's size. The active
 * segment's index is written only at a clean close, so for it the batches after the last
 * index entry are checked too: they must run exactly to that size and offset, or the index
 * (left from before a recovery cut the file, say) may not describe this content.
 */
export async function loadIndexFile(
  fs: FileSystem,
  segment: Segment,
  active: boolean,
): Promise<boolean> {
  const bytes = await readIndexBlock(fs, segment.indexPath);
  if (bytes === undefined) return false;
  const fileSize = await segment.handle.size();
  if (active && !(await tailMatchesIndex(segment.handle, bytes, fileSize, segment.baseOffset)))
    return false;
  return segment.loadIndex(bytes, fileSize);
}

async function tailMatchesIndex(
  handle: FileHandle,
  bytes: Uint8Array,
  fileSize: number,
  baseOffset: number,
): Promise<boolean> {
  const view = indexView(bytes);
  if (view === undefined) return false;
  const u64 = (at: number) => view.getUint32(at) * HIGH + view.getUint32(at + 4);
  const count = view.getUint32(4);
  if (u64(8) !== fileSize) return false;
  const last = INDEX_HEADER_BYTES + (count - 1) * INDEX_ENTRY_BYTES;
  let offset = count === 0 ? baseOffset : u64(last);
  const from = count === 0 ? 0 : view.getUint32(last + 8);
  const tail = new Uint8Array(fileSize - from);
  if ((await handle.read(tail, 0, tail.length, from)) !== tail.length) return false;
  for (let p = 0; p < tail.length; ) {
    const check = checkBatch(tail, p, tail.length);
    if (check.kind !== 'ok' || check.header.baseOffset !== offset) return false;
    offset += check.header.count;
    p += check.header.size;
  }
  return offset === u64(16);
}

export interface ScanResult {
  /** End of the last valid batch. */
  validEnd: number;
  fileSize: number;
  /** Why the scan stopped before the end of the file. */
  problem: string | undefined;
}

/**
 * Reads a segment from the start, checking every batch (length, CRC, offset
 * continuity) and rebuilding the index, until the end or the first bad batch.
 */
export async function scanSegment(segment: Segment): Promise<ScanResult> {
  const fileSize = await segment.handle.size();
  let chunk = new Uint8Array(Math.min(SCAN_CHUNK_BYTES, Math.max(fileSize, 1)));
  let chunkStart = 0;
  let chunkEnd = 0;
  let pos = 0;
  while (pos < fileSize) {
    const check = checkBatch(chunk, pos - chunkStart, chunkEnd - chunkStart);
    if (check.kind === 'ok') {
      if (check.header.baseOffset !== segment.nextOffset) {
        return {
          validEnd: pos,
          fileSize,
          problem: `batch at ${pos} has offset ${check.header.baseOffset}, expected ${segment.nextOffset}`,
        };
      }
      segment.noteBatch(pos, check.header);
      pos += check.header.size;
      continue;
    }
    if (check.kind === 'corrupt')
      return { validEnd: pos, fileSize, problem: `${check.reason} at ${pos}` };
    if (pos + check.need > fileSize)
      return { validEnd: pos, fileSize, problem: `incomplete batch at ${pos}` };
    if (check.need > chunk.length) chunk = new Uint8Array(check.need);
    const got = await segment.handle.read(chunk, 0, Math.min(chunk.length, fileSize - pos), pos);
    if (got < check.need)
      return { validEnd: pos, fileSize, problem: `the file ends at ${pos + got}` };
    chunkStart = pos;
    chunkEnd = pos + got;
  }
  return { validEnd: pos, fileSize, problem: undefined };
}

/**
 * Writes the index of a sealed segment ('sync'), or of the active one on a clean close
 * ('cached', so the next start need not scan it); a torn index fails its CRC, a stale one its
 * size, and a scan rebuilds it. The active segment's is not synced: its loader checks it
 * against the file's tail, so losing it in a crash costs only a scan.
 */
export async function writeIndex(
  fs: FileSystem,
  segment: Segment,
  durable: 'sync' | 'cached' = 'sync',
): Promise<void> {
  segment.index.trim();
  const write = durable === 'sync' ? writeFileDurably : writeFileCached;
  await write(fs, segment.indexPath, segment.encodeIndex());
  segment.indexedSize = segment.size;
}

/**
 * Rewrites a sealed segment's index file with its msgIds after the index, read back from the
 * segment (from the page cache; only the record headers are decoded), so that no start reads
 * its records for them again. In the background after the seal: reading a 64 MiB segment's
 * msgIds takes tens of milliseconds, which the appends waiting on the seal should not. A crash
 * midway leaves an index that fails its CRC, which costs the next start a scan. The active
 * segment's are not written at close: that would only move the read from the next start to
 * this stop. A segment whose batches do not read back whole keeps its index alone.
 */
export async function writeMsgIds(fs: FileSystem, segment: Segment): Promise<void> {
  const ids = await scanMsgIds(segment.handle, segment, false);
  if (ids === undefined) return;
  const index = segment.encodeIndex();
  const bytes = new Uint8Array(index.length + ids.length);
  bytes.set(index);
  bytes.set(ids, index.length);
  await writeFileDurably(fs, segment.indexPath, bytes);
}
