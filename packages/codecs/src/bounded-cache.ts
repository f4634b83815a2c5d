/**
 * A least-recently-used map of promises with a fixed capacity: a value being made is shared by
 * every caller that asks meanwhile, and a failed one is forgotten so the next call tries again.
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, Promise<V>>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`cache capacity must be a positive integer, not ${capacity}`);
    }
  }

  /** The number of entries held (made or being made). */
  get size(): number {
    return this.entries.size;
  }

  /** The value under `key`, made by `make` on a miss. */
  get(key: string, make: () => Promise<V>): Promise<V> {
    const held = this.entries.get(key);
    if (held !== undefined) {
      // Map keeps insertion order: moving the key to the end makes the first key the oldest used.
      this.entries.delete(key);
      this.entries.set(key, held);
      return held;
    }
    const made = make();
    this.entries.set(key, made);
    made.catch(() => {
      if (this.entries.get(key) === made) this.entries.delete(key);
    });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return made;
  }
}
