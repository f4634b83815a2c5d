/**
 * msgId -> where the original went, for each station's dedup window, within one bound for the
 * whole engine [LIMITS-6]. Every station's msgIds are kept in one ring in arrival order, so the
 * oldest of all stations are forgotten first; a station's index maps its msgIds to ring slots.
 * Slots are columns of typed arrays rather than an object per msgId: a remembered msgId costs
 * its string, its map entry and 36 bytes of columns.
 */
import { forEachLimited } from './concurrency.js';
import type { PartitionIdChunk, PartitionIds } from './partition-ids.js';
import type { DedupEntry } from './types.js';

const INITIAL_SLOTS = 1024;
/** Partitions read at once when the index is rebuilt at start. */
const REBUILD_CONCURRENCY = 16;

/** The engine's msgIds, oldest first, at most `maxEntries` of them. */
export class DedupBudget {
  private ids: (string | undefined)[] = [];
  private owners: (DedupIndex | undefined)[] = [];
  private partitions = new Uint32Array(0);
  private offsets = new Float64Array(0);
  private timestamps = new Float64Array(0);
  /** Slot of the oldest entry; the ring runs from here for `used` slots. */
  private head = 0;
  /** Slots from the head on, live or freed (a freed slot is reused once it reaches the head). */
  private used = 0;
  private live = 0;

  constructor(readonly maxEntries: number) {}

  /** msgIds remembered, all stations together. */
  get size(): number {
    return this.live;
  }

  entry(slot: number): DedupEntry {
    return {
      partition: this.partitions[slot] ?? 0,
      offset: this.offsets[slot] ?? 0,
      timestamp: this.timestamps[slot] ?? 0,
    };
  }

  timestamp(slot: number): number {
    return this.timestamps[slot] ?? 0;
  }

  /** Whether an entry of `timestamp` would be kept: false when it is older than all, and there is no room. */
  admits(timestamp: number): boolean {
    if (this.live < this.maxEntries) return true;
    this.skipFreed();
    return this.used > 0 && timestamp >= this.timestamp(this.head);
  }

  /** Adds `msgId` for `owner` as the newest entry; returns its slot. Forgets the oldest past the bound. */
  add(owner: DedupIndex, msgId: string, entry: DedupEntry, now: number): number {
    this.expire(now);
    while (this.live >= this.maxEntries) this.evictOldest();
    if (this.used === this.ids.length) this.makeRoom();
    const slot = (this.head + this.used) % this.ids.length;
    this.ids[slot] = msgId;
    this.owners[slot] = owner;
    this.partitions[slot] = entry.partition;
    this.offsets[slot] = entry.offset;
    this.timestamps[slot] = entry.timestamp;
    this.used++;
    this.live++;
    return slot;
  }

  /** Makes room for `count` more entries at once (a rebuild's), so that the ring is not rewritten as it grows. */
  reserve(count: number): void {
    if (this.ids.length - this.used < count)
      this.makeRoom(Math.min(this.live + count, 2 * this.maxEntries));
  }

  /** Frees a slot (its owner has already forgotten it). */
  free(slot: number): void {
    if (this.owners[slot] === undefined) return;
    this.ids[slot] = undefined;
    this.owners[slot] = undefined;
    this.live--;
  }

  /** Forgets, from the oldest on, the entries past their own station's window. */
  private expire(now: number): void {
    for (;;) {
      this.skipFreed();
      const owner = this.owners[this.head];
      if (this.used === 0 || owner === undefined) return;
      if (this.timestamp(this.head) >= now - owner.windowMs) return;
      this.evictOldest();
    }
  }

  private evictOldest(): void {
    this.skipFreed();
    const slot = this.head;
    this.owners[slot]?.forget(this.ids[slot] ?? '', slot);
    this.free(slot);
  }

  private skipFreed(): void {
    while (this.used > 0 && this.owners[this.head] === undefined) {
      this.head = (this.head + 1) % this.ids.length;
      this.used--;
    }
  }

  /**
   * The ring is full of live and freed slots: rewritten, oldest first, without the freed ones,
   * into columns twice as long if more than half are live (never past twice the bound), or
   * `atLeast` long.
   */
  private makeRoom(atLeast = 0): void {
    const size = this.ids.length;
    const grown =
      size === 0
        ? Math.min(INITIAL_SLOTS, 2 * this.maxEntries)
        : this.live * 2 > size
          ? size * 2
          : size;
    const length = Math.max(grown, atLeast);
    const ids: (string | undefined)[] = new Array(length);
    const owners: (DedupIndex | undefined)[] = new Array(length);
    const partitions = new Uint32Array(length);
    const offsets = new Float64Array(length);
    const timestamps = new Float64Array(length);
    let to = 0;
    for (let i = 0; i < this.used; i++) {
      const from = (this.head + i) % size;
      const owner = this.owners[from];
      const id = this.ids[from];
      if (owner === undefined || id === undefined) continue;
      ids[to] = id;
      owners[to] = owner;
      partitions[to] = this.partitions[from] ?? 0;
      offsets[to] = this.offsets[from] ?? 0;
      timestamps[to] = this.timestamps[from] ?? 0;
      owner.moved(id, to);
      to++;
    }
    this.ids = ids;
    this.owners = owners;
    this.partitions = partitions;
    this.offsets = offsets;
    this.timestamps = timestamps;
    this.head = 0;
    this.used = to;
  }
}

/** One station's msgIds within its window, held in the engine's budget. */
export class DedupIndex {
  /** msgId -> its slot in the budget. */
  private readonly slots = new Map<string, number>();

  constructor(
    private readonly budget: DedupBudget,
    readonly windowMs: number,
  ) {}

  get size(): number {
    return this.slots.size;
  }

  lookup(msgId: string, now: number): DedupEntry | undefined {
    const slot = this.slots.get(msgId);
    if (slot === undefined) return undefined;
    if (this.budget.timestamp(slot) < now - this.windowMs) {
      this.slots.delete(msgId);
      this.budget.free(slot);
      return undefined;
    }
    return this.budget.entry(slot);
  }

  remember(msgId: string, entry: DedupEntry, now: number): void {
    if (this.windowMs <= 0) return;
    const old = this.slots.get(msgId);
    if (old !== undefined) {
      this.slots.delete(msgId);
      this.budget.free(old);
    }
    this.slots.set(msgId, this.budget.add(this, msgId, entry, now));
  }

  /** The budget forgot a msgId of this station (the oldest of all, or past its window). */
  forget(msgId: string, slot: number): void {
    if (this.slots.get(msgId) === slot) this.slots.delete(msgId);
  }

  /** The budget moved a msgId to another slot. */
  moved(msgId: string, slot: number): void {
    this.slots.set(msgId, slot);
  }

  /** Forgets every msgId of the station (it is closed or deleted), giving their room back. */
  async close(): Promise<void> {
    for (const slot of this.slots.values()) this.budget.free(slot);
    this.slots.clear();
  }

  /**
   * Refills the index with the msgIds of the last window, so dedup survives a restart: the
   * newest the budget can keep, added oldest first, each only if the budget would keep it.
   * Every partition's newest part (its active segment) is read; then, newest first, the
   * older parts (sealed segments, from the msgIds kept beside them) until what is left is
   * older than the window, or than as many msgIds as the budget holds: what is read does not
   * grow with what is stored.
   */
  async rebuild(partitions: readonly PartitionIds[], now: number): Promise<void> {
    if (this.windowMs <= 0) return;
    const since = now - this.windowMs;
    const found = new FoundIds(this.budget.maxEntries);
    const read = partitions.map(() => 0);
    const floors = partitions.map(() => Infinity);
    const readNext = async (p: number) => {
      const { partition, parts } = partitions[p] as PartitionIds;
      const part = parts[read[p] ?? 0];
      read[p] = (read[p] ?? 0) + 1;
      const chunk = part === undefined ? undefined : await part(since);
      floors[p] = chunk?.floor ?? -Infinity;
      if (chunk !== undefined) found.add(partition, chunk);
    };
    // Partitions are read a few at a time: a start with many partitions waits on I/O, not on the CPU.
    await forEachLimited(partitions.length, REBUILD_CONCURRENCY, readNext);
    for (;;) {
      // The partition whose unread parts may hold the newest msgIds.
      let next = -1;
      for (let p = 0; p < partitions.length; p++) {
        const floor = floors[p] ?? -Infinity;
        if (floor >= since && (next < 0 || floor > (floors[next] ?? -Infinity))) next = p;
      }
      if (next < 0 || found.newerThan(floors[next] ?? -Infinity)) break;
      await readNext(next);
    }
    this.budget.reserve(found.size);
    found.forEachNewest((msgId, entry) => {
      if (this.budget.admits(entry.timestamp)) this.remember(msgId, entry, now);
    });
  }
}

/** The msgIds a rebuild found, bounded while reading: only the newest `max` can be kept anyway. */
class FoundIds {
  private ids: string[] = [];
  private entries: DedupEntry[] = [];

  constructor(private readonly max: number) {}

  /** How many are kept: at most `max` once the newest are taken. */
  get size(): number {
    return Math.min(this.ids.length, this.max);
  }

  add(partition: number, chunk: PartitionIdChunk): void {
    chunk.ids.forEach((id, i) => {
      this.ids.push(id);
      this.entries.push({
        partition,
        offset: chunk.offsets[i] ?? 0,
        timestamp: chunk.timestamps[i] ?? 0,
      });
    });
    if (this.ids.length > 2 * this.max) this.keepNewest();
  }

  /** Whether `max` of the msgIds are at least as new as `timestamp`: older ones would not be kept. */
  newerThan(timestamp: number): boolean {
    let newer = 0;
    for (const entry of this.entries) if (entry.timestamp >= timestamp) newer++;
    return newer >= this.max;
  }

  /** The newest `max`, oldest first. */
  forEachNewest(visit: (msgId: string, entry: DedupEntry) => void): void {
    this.keepNewest();
    for (let i = 0; i < this.ids.length; i++)
      visit(this.ids[i] as string, this.entries[i] as DedupEntry);
  }

  private keepNewest(): void {
    const order = this.entries.map((_, i) => i);
    order.sort((a, b) => (this.entries[a]?.timestamp ?? 0) - (this.entries[b]?.timestamp ?? 0));
    const kept = order.slice(-this.max);
    this.ids = kept.map((i) => this.ids[i] as string);
    this.entries = kept.map((i) => this.entries[i] as DedupEntry);
  }
}
