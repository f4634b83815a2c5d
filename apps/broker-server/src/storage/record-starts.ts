/**
 * Where consecutive records of one segment start, from a partition's first retained record on.
 * Logical retention [LIMITS-8] moves the first offset into the middle of a segment, even of a
 * batch, and needs the first record's position to count, to the record, the bytes it keeps.
 * The writer adds what it has just written while the window reaches the segment's end; past
 * that, the window is read ahead a chunk at a time. Only the front is kept (retention forgets
 * starts as the first offset passes them), and the writer stops adding at MAX_STARTS, so a
 * partition holds a few KiB of it at most.
 */
import { BATCH_HEADER_BYTES, batchHeaderAt, checkBatch } from './batch.js';
import { StorageError } from './errors.js';
import type { Segment } from './segment.js';

/** Most starts the writer keeps adding to (4 bytes each); beyond, reads take over. */
const MAX_STARTS = 1024;
/** Bytes read ahead at a time (a longer batch is read whole). */
const READ_AHEAD_BYTES = 32 * 1024;

export interface RecordStart {
  offset: number;
  position: number;
}

export class RecordStarts {
  /** starts[head + i] is the position of record `base + i`; the last one is a batch boundary. */
  private starts = new Uint32Array(64);
  private head = 0;
  private tail = 0;
  private base: number;

  constructor(
    readonly segment: Segment,
    offset: number,
    position: number,
  ) {
    this.base = offset;
    this.push(position);
  }

  get startOffset(): number {
    return this.base;
  }

  get startPosition(): number {
    return this.starts[this.head] as number;
  }

  /** The record the window ends at (its position is known, the records after it are not). */
  get endOffset(): number {
    return this.base + this.tail - 1 - this.head;
  }

  get endPosition(): number {
    return this.starts[this.tail - 1] as number;
  }

  /** Whether reading more could extend the window. */
  get readable(): boolean {
    return this.endPosition < this.segment.size;
  }

  get spare(): number {
    return MAX_STARTS - (this.tail - this.head);
  }

  position(offset: number): number | undefined {
    if (offset < this.base || offset > this.endOffset) return undefined;
    return this.starts[this.head + offset - this.base];
  }

  /** The first record starting at or after `position`, if the window reaches that far. */
  atOrAfter(position: number): RecordStart | undefined {
    if (position > this.endPosition) return undefined;
    let lo = this.head;
    let hi = this.tail - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.starts[mid] as number) < position) lo = mid + 1;
      else hi = mid;
    }
    return { offset: this.base + lo - this.head, position: this.starts[lo] as number };
  }

  /** Forgets the starts before `offset`. */
  dropBefore(offset: number): void {
    const n = Math.min(offset, this.endOffset) - this.base;
    if (n <= 0) return;
    this.head += n;
    this.base += n;
  }

  /**
   * What the writer just wrote at `position`: added when the window ends there and has room.
   * The batches are the writer's own, so their CRC is not checked again.
   */
  written(buf: Uint8Array, position: number): void {
    if (position === this.endPosition && this.spare > 0) this.add(buf, buf.length, false);
  }

  /** Reads the next chunk of the segment into the window; false when there is nothing more. */
  async readAhead(): Promise<boolean> {
    const from = this.endPosition;
    const end = this.segment.size;
    if (from >= end) return false;
    let buf = new Uint8Array(Math.min(READ_AHEAD_BYTES, end - from));
    let got = await this.segment.handle.read(buf, 0, buf.length, from);
    const check = checkBatch(buf, 0, got);
    if (check.kind === 'short' && check.need > got && from + check.need <= end) {
      buf = new Uint8Array(check.need);
      got = await this.segment.handle.read(buf, 0, buf.length, from);
    }
    // The writer may have added the same bytes meanwhile.
    if (this.endPosition !== from) return true;
    return this.add(buf, got, true) > 0;
  }

  /** Adds the complete batches of `buf[0..end)`, which starts at the window's end; returns how many. */
  private add(buf: Uint8Array, end: number, verify: boolean): number {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const origin = this.endPosition;
    let batches = 0;
    let p = 0;
    while (end - p >= BATCH_HEADER_BYTES) {
      if (verify) {
        const check = checkBatch(buf, p, end);
        if (check.kind === 'short') break;
        if (check.kind === 'corrupt')
          throw new StorageError(
            'STORAGE_FAILED',
            `${this.segment.logPath}: ${check.reason} at position ${origin + p}`,
          );
      }
      const { size, baseOffset, count } = batchHeaderAt(view, p);
      if (end - p < size) break;
      if (baseOffset !== this.endOffset)
        throw new StorageError(
          'STORAGE_FAILED',
          `${this.segment.logPath}: the batch at position ${origin + p} has offset ${baseOffset}, expected ${this.endOffset}`,
        );
      let r = p + BATCH_HEADER_BYTES;
      for (let i = 0; i < count; i++) {
        if (i > 0) this.push(origin + r);
        r += 4 + view.getUint32(r);
      }
      this.push(origin + p + size);
      p += size;
      batches++;
    }
    return batches;
  }

  /** Appends a start, moving the live ones to the front, or to a larger array, when full. */
  private push(position: number): void {
    if (this.tail === this.starts.length) {
      const live = this.tail - this.head;
      const starts = live * 2 > this.starts.length ? new Uint32Array(live * 2) : this.starts;
      starts.set(this.starts.subarray(this.head, this.tail));
      this.starts = starts;
      this.head = 0;
      this.tail = live;
    }
    this.starts[this.tail++] = position;
  }
}
