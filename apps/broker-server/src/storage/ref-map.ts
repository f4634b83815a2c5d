/**
 * Values by message ref: one Map per partition, keyed by offset. A group looks up what is in
 * flight or due several times per message; a `"partition:offset"` string key cost a string
 * built and hashed for each lookup (the largest share of a group's settle and fetch).
 */
import type { MessageRef } from '@ferry/protocol';

export class RefMap<V> {
  private readonly partitions: (Map<number, V> | undefined)[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(partition: number, offset: number): boolean {
    return this.partitions[partition]?.has(offset) ?? false;
  }

  get(partition: number, offset: number): V | undefined {
    return this.partitions[partition]?.get(offset);
  }

  set(partition: number, offset: number, value: V): void {
    let offsets = this.partitions[partition];
    if (offsets === undefined) {
      offsets = new Map();
      this.partitions[partition] = offsets;
    }
    const before = offsets.size;
    offsets.set(offset, value);
    this.count += offsets.size - before;
  }

  delete(partition: number, offset: number): boolean {
    const deleted = this.partitions[partition]?.delete(offset) ?? false;
    if (deleted) this.count--;
    return deleted;
  }

  /** Every value; deleting the one being visited is safe. */
  /** Removes the values of `refs` and returns them; the refs that had none are `missing`. */
  takeAll(refs: readonly MessageRef[]): { taken: V[]; missing: MessageRef[] } {
    const taken: V[] = [];
    const missing: MessageRef[] = [];
    for (const ref of refs) {
      const value = this.get(ref.partition, ref.offset);
      if (value === undefined) {
        missing.push(ref);
        continue;
      }
      this.delete(ref.partition, ref.offset);
      taken.push(value);
    }
    return { taken, missing };
  }

  /** Every entry as [partition, offset, value]; deleting the current entry while iterating is safe. */
  *entries(): IterableIterator<[number, number, V]> {
    for (let p = 0; p < this.partitions.length; p++) {
      const offsets = this.partitions[p];
      if (offsets !== undefined) for (const [offset, v] of offsets) yield [p, offset, v];
    }
  }

  *values(): IterableIterator<V> {
    for (const offsets of this.partitions) if (offsets !== undefined) yield* offsets.values();
  }

  /** Values of one partition. */
  sizeOf(partition: number): number {
    return this.partitions[partition]?.size ?? 0;
  }

  /** Removes every value of one partition. */
  clearPartition(partition: number): void {
    const offsets = this.partitions[partition];
    if (offsets === undefined) return;
    this.count -= offsets.size;
    this.partitions[partition] = undefined;
  }

  clear(): void {
    this.partitions.length = 0;
    this.count = 0;
  }
}

/** Whether `a` comes before `b`: partition, then offset. */
export const byRef = (a: MessageRef, b: MessageRef): number =>
  a.partition - b.partition || a.offset - b.offset;
