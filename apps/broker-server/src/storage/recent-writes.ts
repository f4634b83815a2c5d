/**
 * The bytes of each active segment's last small flush, kept so that a group reading records
 * as they arrive (a live consumer, the common case) decodes them from memory rather than
 * through a read on the thread pool, a round trip between every append and its delivery.
 * Only small flushes are kept, as copies (a large one is a backlog that reads in large chunks
 * anyway, and copying it would cost what the write buffers save). Process-wide and bounded:
 * past `maxBytes` the entries written longest ago go first.
 */
import type { Segment } from './segment.js';

export interface RecentWrite {
  /** File position of the first batch. */
  position: number;
  /** Offset of the first record. */
  baseOffset: number;
  /** Whole batches, as written. */
  bytes: Uint8Array;
}

export class RecentWrites {
  /** In the order they were remembered: the first is the oldest. */
  private readonly entries = new Map<Segment, RecentWrite>();
  private heldBytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxEntryBytes: number,
  ) {}

  /** Keeps a copy of whole batches written at `position` of `segment`, if they are small. */
  remember(segment: Segment, position: number, baseOffset: number, bytes: Uint8Array): void {
    this.forget(segment);
    if (bytes.length > this.maxEntryBytes) return;
    this.entries.set(segment, { position, baseOffset, bytes: bytes.slice() });
    this.heldBytes += bytes.length;
    for (const [oldest, entry] of this.entries) {
      if (this.heldBytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.heldBytes -= entry.bytes.length;
    }
  }

  /** The bytes kept for `segment`, if they start at or before `offset`. */
  lookup(segment: Segment, offset: number): RecentWrite | undefined {
    const entry = this.entries.get(segment);
    return entry !== undefined && entry.baseOffset <= offset ? entry : undefined;
  }

  forget(segment: Segment): void {
    const entry = this.entries.get(segment);
    if (entry === undefined) return;
    this.entries.delete(segment);
    this.heldBytes -= entry.bytes.length;
  }

  /** Bytes kept. */
  get held(): number {
    return this.heldBytes;
  }
}

/** What every partition log of this process keeps: flushes up to 64 KiB, 16 MiB in all. */
export const recentWrites = new RecentWrites(16 * 1024 * 1024, 64 * 1024);
