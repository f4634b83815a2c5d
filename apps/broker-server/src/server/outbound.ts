/**
 * A connection's outbound frames: bounded, and batched so that every frame queued in one turn
 * of the event loop reaches the transport in one write (never one syscall per frame).
 */

/** Where a connection's encoded frames go; each transport adds its own framing. */
export interface FrameSink {
  /** Writes these frame bodies, in order, as one transport write. */
  write(bodies: Uint8Array[]): void;
  /** Bytes written and not yet handed to the operating system. */
  bufferedBytes(): number;
  /** Flushes what was written, then closes. */
  end(): void;
  /** Closes at once, dropping anything unsent. */
  destroy(): void;
}

/** Where the outbound bytes stand after a push. */
export type Pressure = 'ok' | 'soft' | 'hard';

export class OutboundQueue {
  /** Past this, producers are asked to wait for `drained`. */
  readonly softLimit: number;
  /** Past this, the peer is cut off. */
  readonly hardLimit: number;

  private readonly sink: FrameSink;
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private flushHandle: NodeJS.Immediate | undefined;
  private waiters: Array<() => void> = [];
  private stopped = false;
  private stallTimer: NodeJS.Timeout | undefined;

  /**
   * `onStall` runs if the bytes stay at or over the soft bound for `stallTimeoutMs`: a peer
   * that stopped reading is held there by flow control, and would otherwise hold its
   * resources (and its consumer group's messages) forever.
   */
  constructor(
    sink: FrameSink,
    maxBytes: number,
    private readonly stallTimeoutMs: number,
    private readonly onStall: () => void,
  ) {
    this.sink = sink;
    this.hardLimit = maxBytes;
    this.softLimit = Math.floor(maxBytes / 2);
  }

  /** Bytes queued here or in the transport and not yet sent. */
  get bytes(): number {
    return this.queuedBytes + this.sink.bufferedBytes();
  }

  /** Queues one body for the next flush; 'hard' means the caller must cut the connection. */
  push(body: Uint8Array): Pressure {
    this.queue.push(body);
    this.queuedBytes += body.length;
    // setImmediate, not a microtask: replies to every frame of one read share the write.
    this.flushHandle ??= setImmediate(() => this.flush());
    const bytes = this.bytes;
    if (bytes > this.hardLimit) return 'hard';
    if (bytes < this.softLimit) return 'ok';
    this.stallTimer ??= setTimeout(() => {
      this.stallTimer = undefined;
      if (!this.stopped && this.bytes >= this.softLimit) this.onStall();
    }, this.stallTimeoutMs).unref();
    return 'soft';
  }

  /** Writes everything queued, now, in one sink write. */
  flush(): void {
    clearImmediate(this.flushHandle);
    this.flushHandle = undefined;
    if (this.queue.length === 0) return;
    const bodies = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    this.sink.write(bodies);
    this.release();
  }

  /** Resolves once the bytes are back under the soft bound, or the queue stopped. */
  drained(): Promise<void> {
    if (this.stopped || this.bytes < this.softLimit) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Wakes the `drained` waiters if the bytes fell under the soft bound; call on the sink's drain. */
  release(): void {
    if (!this.stopped && this.bytes >= this.softLimit) return;
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Drops whatever is queued and wakes every waiter; the connection is closing. */
  stop(): void {
    this.stopped = true;
    clearImmediate(this.flushHandle);
    this.flushHandle = undefined;
    this.queue = [];
    this.queuedBytes = 0;
    this.release();
  }
}
