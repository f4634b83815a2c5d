/**
 * A partition log held in memory (station storage 'memory'): the file log's semantics, lost on
 * restart. Batches are kept encoded as the file log writes them, packed into slabs, so a record
 * costs its encoded bytes and a few bytes of index (not an object per record), and bytes are
 * counted exactly as on disk. What it allocates is charged to the station's bound and the
 * engine's budget before anything is stored [LIMITS-4]: past them an append fails with
 * OVERLOADED, unless its retention (maxMessages, maxBytes) lets it drop the oldest records to
 * make room, a slab at a time.
 */
import {
  BATCH_HEADER_BYTES,
  type BatchHeader,
  batchHeaderAt,
  batchSize,
  decodeRecords,
  recordLogBytes,
  writeBatch,
} from './batch.js';
import { StorageError } from './errors.js';
import type { StationMemory } from './memory-budget.js';
import type {
  AppendRecord,
  AppendResult,
  PartitionBounds,
  PartitionLog,
  ReadOptions,
  RetentionPolicy,
  StoredRecord,
} from './types.js';

/**
 * Slabs start small, so that a partition holding little costs little, and double up to the max:
 * 256 KiB, or a 16th of the station's bound, so that dropping the oldest slab always makes room.
 */
const MIN_SLAB_BYTES = 4 * 1024;
const MAX_SLAB_BYTES = 256 * 1024;
const SLABS_PER_BOUND = 16;
/** What a batch costs besides its bytes: its slab and position in the index (two array slots). */
const BATCH_INDEX_BYTES = 16;

interface Slab {
  buf: Uint8Array;
  view: DataView;
  used: number;
  /** Retained batches in it; at zero (and once it is not the one written to) it is freed. */
  batches: number;
}

/** Slab bytes an append allocates; `tail`: they become the slab written to. */
interface NewSlab {
  bytes: number;
  tail: boolean;
}

/** Put in place of a dropped batch's slab, so that the index does not keep it alive. */
const RELEASED: Slab = {
  buf: new Uint8Array(0),
  view: new DataView(new ArrayBuffer(0)),
  used: 0,
  batches: 0,
};

/** Where the record after `offset` starts, `pos` being where `offset` starts (its batch's start for the first). */
function nextStart(
  view: DataView,
  batchPos: number,
  header: BatchHeader,
  offset: number,
  pos: number,
): number {
  const at = offset === header.baseOffset ? batchPos + BATCH_HEADER_BYTES : pos;
  return at + 4 + view.getUint32(at);
}

export class MemoryPartitionLog implements PartitionLog {
  /** Retained batches from `head` on: their slab and position in it. */
  private slabOf: Slab[] = [];
  private posOf: number[] = [];
  private head = 0;
  private tail: Slab | undefined;
  private first = 0;
  private next = 0;
  /** Where the first record starts in the front batch's slab. */
  private firstPos = 0;
  private bytes = 0;
  /** Bytes charged to the station's memory. */
  private held = 0;
  private lastTimestamp = 0;
  private closed = false;

  constructor(
    readonly partition: number,
    private readonly now: () => number,
    private readonly memory?: StationMemory,
  ) {}

  async append(
    records: readonly AppendRecord[],
    retention: RetentionPolicy = {},
  ): Promise<AppendResult> {
    if (this.closed) throw new StorageError('SHUTTING_DOWN', 'the partition log is closed');
    if (records.length === 0)
      throw new StorageError('INVALID_FIELD', 'an append needs at least one record');
    const size = batchSize(records);
    const baseOffset = this.next;
    const end = baseOffset + records.length;
    let target = this.first;
    if (retention.maxMessages !== undefined) target = Math.max(target, end - retention.maxMessages);
    if (retention.maxBytes !== undefined)
      target = Math.max(target, this.keepingBytes(retention.maxBytes, recordLogBytes(records)));
    target = Math.min(target, end);
    // A batch the policy drops whole is not kept at all.
    const stored = target < end;
    const slab = stored ? this.slabFor(size) : { bytes: 0, tail: false };
    const add = stored ? slab.bytes + BATCH_INDEX_BYTES : 0;
    if (this.memory !== undefined && !this.memory.fits(add, this.freedBelow(target, slab.tail))) {
      const mayDrop = retention.maxMessages !== undefined || retention.maxBytes !== undefined;
      if (!mayDrop) throw this.memory.overloaded(add, this.freedBelow(target, slab.tail));
      target = this.roomFor(this.memory, target, add, slab.tail);
    }
    const timestamp = Math.max(this.now(), this.lastTimestamp);
    this.lastTimestamp = timestamp;
    if (stored) this.store(records, size, baseOffset, timestamp, slab);
    this.next = end;
    this.dropTo(target);
    return { baseOffset, timestamp, durability: 'memory' };
  }

  async read(offset: number, options: ReadOptions): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    const at = Math.max(offset, this.first);
    let bytes = 0;
    for (let b = this.batchFor(at); b < this.slabOf.length; b++) {
      if (out.length >= options.maxRecords || bytes >= options.maxBytes) break;
      const slab = this.slabOf[b] as Slab;
      const header = this.header(b);
      bytes = decodeRecords(
        slab.buf,
        this.posOf[b] as number,
        header,
        at,
        out,
        options.maxRecords,
        options.maxBytes,
        bytes,
      );
    }
    return out;
  }

  async offsetForTimestamp(timestamp: number): Promise<number> {
    return this.firstAtOrAfter(timestamp);
  }

  bounds(): PartitionBounds {
    return { first: this.first, next: this.next, bytes: this.bytes };
  }

  async applyRetention(
    policy: RetentionPolicy,
    now: number,
    deleteBelow?: number,
  ): Promise<number> {
    let target = this.first;
    if (policy.maxMessages !== undefined) target = Math.max(target, this.next - policy.maxMessages);
    if (policy.maxBytes !== undefined)
      target = Math.max(target, this.keepingBytes(policy.maxBytes, []));
    if (policy.maxAgeMs !== undefined)
      target = Math.max(target, this.firstAtOrAfter(now - policy.maxAgeMs));
    if (deleteBelow !== undefined) target = Math.max(target, deleteBelow);
    const before = this.first;
    this.dropTo(Math.min(target, this.next));
    return this.first - before;
  }

  /** Gives back every byte it holds: a closed or deleted station keeps nothing alive. */
  async close(): Promise<void> {
    this.closed = true;
    this.charge(-this.held);
    this.slabOf = [];
    this.posOf = [];
    this.head = 0;
    this.tail = undefined;
  }

  private header(b: number): BatchHeader {
    return batchHeaderAt((this.slabOf[b] as Slab).view, this.posOf[b] as number);
  }

  /** The batch holding `offset` (the end of the index when none does). */
  private batchFor(offset: number): number {
    let lo = this.head;
    let hi = this.slabOf.length;
    if (offset >= this.next || lo === hi) return hi;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (this.header(mid).baseOffset <= offset) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  /** The first retained offset stamped at or after `timestamp` (the end when none is). */
  private firstAtOrAfter(timestamp: number): number {
    let lo = this.head;
    let hi = this.slabOf.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.header(mid).timestamp < timestamp) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.slabOf.length ? Math.max(this.first, this.header(lo).baseOffset) : this.next;
  }

  /** The smallest offset that keeps at most `maxBytes`, once records of `added` bytes are appended. */
  private keepingBytes(maxBytes: number, added: number[]): number {
    let excess = this.bytes - maxBytes;
    for (const size of added) excess += size;
    let offset = this.first;
    for (let b = this.head; b < this.slabOf.length && excess > 0; b++) {
      const { view } = this.slabOf[b] as Slab;
      const header = this.header(b);
      const end = header.baseOffset + header.count;
      let pos = b === this.head ? this.firstPos : (this.posOf[b] as number);
      for (; offset < end && excess > 0; offset++) {
        const after = nextStart(view, this.posOf[b] as number, header, offset, pos);
        excess -= after - pos;
        pos = after;
      }
    }
    for (let i = offset - this.next; i < added.length && excess > 0; i++) {
      excess -= added[i] as number;
      offset++;
    }
    return offset;
  }

  /**
   * The slab bytes a batch of `size` needs allocated (none when it fits in the one written to),
   * and whether they replace that one: a batch over a quarter of the largest slab gets a buffer
   * of its own instead, so that no slab is left with much room it cannot use.
   */
  private slabFor(size: number): NewSlab {
    const tail = this.tail;
    if (tail !== undefined && tail.buf.length - tail.used >= size) return { bytes: 0, tail: false };
    const bound = this.memory?.maxBytes ?? Number.POSITIVE_INFINITY;
    const max = Math.max(
      MIN_SLAB_BYTES,
      Math.min(MAX_SLAB_BYTES, Math.floor(bound / SLABS_PER_BOUND)),
    );
    if (size > max / 4) return { bytes: size, tail: false };
    const doubled = Math.min(max, Math.max(MIN_SLAB_BYTES, (tail?.buf.length ?? 0) * 2));
    return { bytes: Math.max(size, doubled), tail: true };
  }

  /** Bytes given back by dropping the records below `target` (`newSlab`: the one written to is replaced). */
  private freedBelow(target: number, newSlab: boolean): number {
    let freed =
      newSlab && this.tail !== undefined && this.tail.batches === 0 ? this.tail.buf.length : 0;
    for (let b = this.head; b < this.slabOf.length; b++) {
      const header = this.header(b);
      if (header.baseOffset + header.count > target) break;
      freed += BATCH_INDEX_BYTES + this.slabFreedWith(b, newSlab);
    }
    return freed;
  }

  /** The slab bytes freed once batch `b` and all before it are dropped. */
  private slabFreedWith(b: number, newSlab: boolean): number {
    const slab = this.slabOf[b] as Slab;
    const lastOfSlab = b + 1 >= this.slabOf.length || this.slabOf[b + 1] !== slab;
    return lastOfSlab && (slab !== this.tail || newSlab) ? slab.buf.length : 0;
  }

  /** The lowest offset from `target` on, at a batch's end, whose drop makes room for `add`. */
  private roomFor(memory: StationMemory, target: number, add: number, newSlab: boolean): number {
    let freed = this.freedBelow(target, newSlab);
    let b = this.batchFor(target);
    for (; b < this.slabOf.length && !memory.fits(add, freed); b++) {
      const header = this.header(b);
      target = header.baseOffset + header.count;
      freed += BATCH_INDEX_BYTES + this.slabFreedWith(b, newSlab);
    }
    if (!memory.fits(add, freed)) throw memory.overloaded(add, freed);
    return target;
  }

  private store(
    records: readonly AppendRecord[],
    size: number,
    baseOffset: number,
    timestamp: number,
    allocate: NewSlab,
  ): void {
    let slab = this.tail as Slab;
    if (allocate.bytes > 0) {
      const buf = new Uint8Array(allocate.bytes);
      slab = { buf, view: new DataView(buf.buffer), used: 0, batches: 0 };
      this.charge(allocate.bytes);
      if (allocate.tail) {
        const old = this.tail;
        this.tail = slab;
        if (old !== undefined && old.batches === 0) this.charge(-old.buf.length);
      }
    }
    writeBatch(slab.buf, slab.view, slab.used, size, baseOffset, timestamp, records);
    if (this.head === this.slabOf.length) this.firstPos = slab.used;
    this.slabOf.push(slab);
    this.posOf.push(slab.used);
    slab.used += size;
    slab.batches++;
    this.charge(BATCH_INDEX_BYTES);
    this.bytes += size;
  }

  /** Moves the first offset to `target`, giving back the batches and slabs wholly below it. */
  private dropTo(target: number): void {
    while (this.head < this.slabOf.length && this.first < target) {
      const b = this.head;
      const slab = this.slabOf[b] as Slab;
      const header = this.header(b);
      const end = header.baseOffset + header.count;
      if (end > target) {
        let pos = this.firstPos;
        for (let o = this.first; o < target; o++)
          pos = nextStart(slab.view, this.posOf[b] as number, header, o, pos);
        this.bytes -= pos - this.firstPos;
        this.firstPos = pos;
        this.first = target;
        break;
      }
      this.bytes -= (this.posOf[b] as number) + header.size - this.firstPos;
      this.first = end;
      slab.batches--;
      this.charge(-BATCH_INDEX_BYTES);
      if (slab.batches === 0 && slab !== this.tail) this.charge(-slab.buf.length);
      this.slabOf[b] = RELEASED;
      this.head++;
      this.firstPos = this.head < this.slabOf.length ? (this.posOf[this.head] as number) : 0;
    }
    this.first = Math.max(this.first, target);
    if (this.head >= 1024 && this.head * 2 >= this.slabOf.length) {
      this.slabOf = this.slabOf.slice(this.head);
      this.posOf = this.posOf.slice(this.head);
      this.head = 0;
    }
  }

  private charge(delta: number): void {
    this.held += delta;
    this.memory?.charge(delta);
  }
}
