/**
 * msgId -> where the original went, for the station's dedup window. Entries
 * are kept in arrival order, so expiry and the size bound evict from the front.
 */
import type { DedupEntry, PartitionLog } from './types.js';

export class DedupIndex {
  private readonly entries = new Map<string, DedupEntry>();

  constructor(
    private readonly windowMs: number,
    /** Bound on memory: past it the oldest ids are forgotten before their window ends. */
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  lookup(msgId: string, now: number): DedupEntry | undefined {
    const entry = this.entries.get(msgId);
    if (entry === undefined) return undefined;
    if (entry.timestamp < now - this.windowMs) {
      this.entries.delete(msgId);
      return undefined;
    }
    return entry;
  }

  remember(msgId: string, entry: DedupEntry, now: number): void {
    if (this.windowMs <= 0) return;
    this.entries.delete(msgId);
    this.entries.set(msgId, entry);
    this.evict(now);
  }

  private evict(now: number): void {
    const oldest = now - this.windowMs;
    for (const [msgId, entry] of this.entries) {
      if (entry.timestamp >= oldest && this.entries.size <= this.maxEntries) break;
      this.entries.delete(msgId);
    }
  }

  /** Refills the index from the records of the last window, so dedup survives a restart. */
  async rebuild(partitions: readonly PartitionLog[], now: number): Promise<void> {
    if (this.windowMs <= 0) return;
    const found: [string, DedupEntry][] = [];
    for (const log of partitions) {
      let offset = await log.offsetForTimestamp(now - this.windowMs);
      for (;;) {
        const records = await log.read(offset, { maxRecords: 10_000, maxBytes: 16 * 1024 * 1024 });
        if (records.length === 0) break;
        for (const r of records) {
          if (r.msgId !== undefined)
            found.push([
              r.msgId,
              { partition: log.partition, offset: r.offset, timestamp: r.timestamp },
            ]);
        }
        offset = (records[records.length - 1]?.offset ?? offset) + 1;
      }
    }
    found.sort((a, b) => a[1].timestamp - b[1].timestamp);
    for (const [msgId, entry] of found.slice(-this.maxEntries)) this.remember(msgId, entry, now);
  }
}
