/**
 * A connection's outbound frames: bounded, and batched so that every frame queued in one turn
 * of the event loop reaches the transport in one write (never one syscall per frame). Its bytes
 * count against the engine-wide budget as well as against its own bounds. [LIMITS-5]
 */
import type { OutboundBudget } from './outbound-budget.js';

/** Where a connection's encoded frames go; each transport adds its own framing. */
export interface FrameSink {
  /**
   * Writes these frame bodies, in order, as one transport write; `written` runs once they
   * have been handed to the operating system (or dropped with the transport).
   */
  write(bodies: Uint8Array[], written: () => void): void;
  /** Bytes written and not yet handed to the operating system. */
  bufferedBytes(): number;
  /** Flushes what was written, then closes. */
  end(): void;
  /** Closes at once, dropping anything unsent. */
  destroy(): void;
}

/** Where the outbound bytes stand after a push. */
export type Pressure = 'ok' | 'soft' | 'hard';

export interface OutboundQueueOptions {
  /** Past this the peer is cut off; past half of it producers wait for `drained`. */
  maxBytes: number;
  stallTimeoutMs: number;
  /**
   * Runs if the queue stays held (see `held`) for `stallTimeoutMs`: a peer that stopped
   * reading is held there by flow control, and would otherwise hold its resources (and its
   * consumer group's messages, and a share of the engine's budget) forever.
   */
  onStall: () => void;
  budget: OutboundBudget;
}

export class OutboundQueue {
  /** Past this, producers are asked to wait for `drained`. */
  readonly softLimit: number;
  /** Past this, the peer is cut off. */
  readonly hardLimit: number;

  private readonly sink: FrameSink;
  private readonly budget: OutboundBudget;
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  /** What this queue last reported to the budget. */
  private accounted = 0;
  private flushHandle: NodeJS.Immediate | undefined;
  private waiters: Array<() => void> = [];
  private stopped = false;
  private stallTimer: NodeJS.Timeout | undefined;
  private readonly recheck = (): void => this.release();

  constructor(
    sink: FrameSink,
    private readonly options: OutboundQueueOptions,
  ) {
    this.sink = sink;
    this.budget = options.budget;
    this.hardLimit = options.maxBytes;
    this.softLimit = Math.floor(options.maxBytes / 2);
  }

  /** Bytes queued here or in the transport and not yet sent. */
  get bytes(): number {
    return this.queuedBytes + this.sink.bufferedBytes();
  }

  /**
   * Whether the connection must wait before queuing more: over its soft bound, or holding
   * bytes while the engine is over its budget.
   */
  get held(): boolean {
    if (this.stopped) return false;
    const bytes = this.bytes;
    return bytes >= this.softLimit || (bytes > 0 && this.budget.over);
  }

  /** Queues one body for the next flush; 'hard' means the caller must cut the connection. */
  push(body: Uint8Array): Pressure {
    this.queue.push(body);
    this.queuedBytes += body.length;
    this.account();
    // setImmediate, not a microtask: replies to every frame of one read share the write.
    this.flushHandle ??= setImmediate(() => this.flush());
    if (this.bytes > this.hardLimit) return 'hard';
    if (!this.held) return 'ok';
    this.watchStall();
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
    this.sink.write(bodies, this.recheck);
    this.release();
  }

  /** Resolves once the queue is no longer held, or stopped. */
  drained(): Promise<void> {
    if (!this.held) return Promise.resolve();
    const waiting = new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.budget.over) this.budget.whenUnder(this.recheck);
    return waiting;
  }

  /** Starts the stall timer unless it runs; the connection stopped reading while held. */
  watchStall(): void {
    this.stallTimer ??= setTimeout(() => {
      this.stallTimer = undefined;
      if (this.held) this.options.onStall();
    }, this.options.stallTimeoutMs).unref();
  }

  /** Wakes the `drained` waiters if the queue is no longer held; call on the sink's drain. */
  release(): void {
    this.account();
    if (this.held) {
      if (this.waiters.length > 0 && this.budget.over) this.budget.whenUnder(this.recheck);
      return;
    }
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Drops whatever is queued and wakes every waiter; the connection is closing. */
  stop(): void {
    this.budget.add(-this.accounted);
    this.accounted = 0;
    this.stopped = true;
    this.budget.forget(this.recheck);
    clearImmediate(this.flushHandle);
    this.flushHandle = undefined;
    this.queue = [];
    this.queuedBytes = 0;
    this.release();
  }

  /** Brings the budget up to date with this queue's bytes. */
  private account(): void {
    if (this.stopped) return;
    const bytes = this.bytes;
    this.budget.add(bytes - this.accounted);
    this.accounted = bytes;
  }
}
