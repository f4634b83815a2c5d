/**
 * The send side of a transport's backpressure [CLIENT-6]: what `send` answers and what
 * `drained` waits for, measured against one high-water mark of buffered bytes.
 */

/**
 * Bytes buffered to send at which `send` starts answering false. Large enough that a full
 * produce batch costs one wait, not many; small enough that a stalled peer holds little.
 */
export const WRITE_HIGH_WATER_BYTES = 1024 * 1024;

export interface WriteGateOptions {
  /** The bytes buffered to send right now: queued in the transport and in the runtime. */
  buffered(): number;
  /** Default {@link WRITE_HIGH_WATER_BYTES}. */
  highWaterBytes?: number;
  /**
   * For a runtime that never says when its buffer shrinks (the W3C WebSocket): how often to
   * look again while someone waits to drain. Without it the owner calls `check()`.
   */
  pollMs?: number;
}

export class WriteGate {
  readonly #buffered: () => number;
  readonly #highWater: number;
  readonly #pollMs: number | undefined;
  #closed = false;
  #drained: Promise<void> | undefined;
  #release: (() => void) | undefined;

  constructor(options: WriteGateOptions) {
    this.#buffered = options.buffered;
    this.#highWater = options.highWaterBytes ?? WRITE_HIGH_WATER_BYTES;
    this.#pollMs = options.pollMs;
  }

  /** Whether the buffered bytes are under the mark, or the transport closed: `send`'s answer. */
  get open(): boolean {
    return this.#closed || this.#buffered() < this.#highWater;
  }

  /** Resolves once the buffered bytes are under the mark or the transport closed. */
  drained(): Promise<void> {
    if (this.open) return Promise.resolve();
    if (this.#drained === undefined) {
      this.#drained = new Promise((resolve) => {
        this.#release = resolve;
      });
      if (this.#pollMs !== undefined) this.#poll(this.#pollMs);
    }
    return this.#drained;
  }

  /** Releases the waiters if the buffered bytes fell under the mark; call it when they may have. */
  check(): void {
    const release = this.#release;
    if (release === undefined || !this.open) return;
    this.#drained = undefined;
    this.#release = undefined;
    release();
  }

  /** The transport closed: every wait ends, now and later. */
  close(): void {
    this.#closed = true;
    this.check();
  }

  #poll(ms: number): void {
    setTimeout(() => {
      this.check();
      if (this.#release !== undefined) this.#poll(ms);
    }, ms);
  }
}
