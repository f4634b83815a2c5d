/** A partition log held in memory (station storage 'memory'): same semantics, lost on restart. */
import { StorageError } from './errors.js';
import type {
  AppendRecord,
  AppendResult,
  PartitionBounds,
  PartitionLog,
  ReadOptions,
  RetentionPolicy,
  StoredRecord,
} from './types.js';

export class MemoryPartitionLog implements PartitionLog {
  private records: StoredRecord[] = [];
  private first = 0;
  private bytes = 0;
  private lastTimestamp = 0;
  private closed = false;

  constructor(
    readonly partition: number,
    private readonly now: () => number,
  ) {}

  async append(records: AppendRecord[]): Promise<AppendResult> {
    if (this.closed) throw new StorageError('SHUTTING_DOWN', 'the partition log is closed');
    if (records.length === 0)
      throw new StorageError('INVALID_FIELD', 'an append needs at least one record');
    const timestamp = Math.max(this.now(), this.lastTimestamp);
    this.lastTimestamp = timestamp;
    const baseOffset = this.first + this.records.length;
    records.forEach((r, i) => {
      // The caller may reuse its buffers once the append resolves, so the payload is copied.
      const stored: StoredRecord = {
        ...r,
        payload: r.payload.slice(),
        offset: baseOffset + i,
        timestamp,
      };
      if (r.headers !== undefined) stored.headers = { ...r.headers };
      this.records.push(stored);
      this.bytes += r.payload.length;
    });
    return { baseOffset, timestamp, durability: 'never' };
  }

  async read(offset: number, options: ReadOptions): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    let bytes = 0;
    for (let i = Math.max(0, offset - this.first); i < this.records.length; i++) {
      if (out.length >= options.maxRecords || bytes >= options.maxBytes) break;
      const r = this.records[i] as StoredRecord;
      out.push(r);
      bytes += r.payload.length;
    }
    return out;
  }

  async offsetForTimestamp(timestamp: number): Promise<number> {
    let lo = 0;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.records[mid] as StoredRecord).timestamp < timestamp) lo = mid + 1;
      else hi = mid;
    }
    return this.first + lo;
  }

  bounds(): PartitionBounds {
    return { first: this.first, next: this.first + this.records.length, bytes: this.bytes };
  }

  async applyRetention(
    policy: RetentionPolicy,
    now: number,
    deleteBelow?: number,
  ): Promise<number> {
    let drop = 0;
    let bytes = this.bytes;
    // Unlike files there are no segments, so retention is exact; the newest record always stays.
    while (drop < this.records.length - 1) {
      const r = this.records[drop] as StoredRecord;
      const expired =
        (policy.maxAgeMs !== undefined && r.timestamp < now - policy.maxAgeMs) ||
        (policy.maxMessages !== undefined && this.records.length - drop > policy.maxMessages) ||
        (policy.maxBytes !== undefined && bytes > policy.maxBytes) ||
        (deleteBelow !== undefined && r.offset < deleteBelow);
      if (!expired) break;
      bytes -= r.payload.length;
      drop++;
    }
    this.records = this.records.slice(drop);
    this.first += drop;
    this.bytes = bytes;
    return drop;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
