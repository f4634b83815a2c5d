/**
 * Buffers a flush encodes its batches into, reused from one flush to the next. A flush's
 * bytes are dead once written, and a fresh megabyte per flush is external memory that makes
 * V8 collect far more often than the heap needs (about half of all collections of a 1 KiB
 * publish). Process-wide and bounded: at most `maxIdle` buffers are kept, none over
 * `maxBytes`; a larger flush gets a buffer of its own.
 */
const MIN_BYTES = 64 * 1024;

export class WriteBuffers {
  private readonly idle: Uint8Array[] = [];

  constructor(
    private readonly maxIdle: number,
    private readonly maxBytes: number,
  ) {}

  /**
   * A buffer of at least `size` bytes, with stale contents: the caller writes every byte it
   * uses and returns it with `give` once nothing reads it any more.
   */
  take(size: number): Uint8Array {
    let best = -1;
    for (let i = 0; i < this.idle.length; i++) {
      const length = (this.idle[i] as Uint8Array).length;
      if (length >= size && (best < 0 || length < (this.idle[best] as Uint8Array).length)) best = i;
    }
    if (best >= 0) return this.idle.splice(best, 1)[0] as Uint8Array;
    // Powers of two, so that flushes of varying sizes find one another's buffers.
    const rounded = Math.max(MIN_BYTES, 2 ** Math.ceil(Math.log2(Math.max(size, 1))));
    return new Uint8Array(rounded <= this.maxBytes ? rounded : size);
  }

  give(buffer: Uint8Array): void {
    if (buffer.length > this.maxBytes) return;
    if (this.idle.length < this.maxIdle) {
      this.idle.push(buffer);
      return;
    }
    // Full: keep the larger ones, which serve every smaller flush too.
    let smallest = 0;
    for (let i = 1; i < this.idle.length; i++)
      if ((this.idle[i] as Uint8Array).length < (this.idle[smallest] as Uint8Array).length)
        smallest = i;
    if ((this.idle[smallest] as Uint8Array).length < buffer.length) this.idle[smallest] = buffer;
  }

  /** Buffers kept for reuse, and their bytes. */
  get held(): { count: number; bytes: number } {
    return { count: this.idle.length, bytes: this.idle.reduce((sum, b) => sum + b.length, 0) };
  }
}

/** What every partition log of this process encodes into: at most 8 × 4 MiB held idle. */
export const writeBuffers = new WriteBuffers(8, 4 * 1024 * 1024);
