/**
 * The outbound bytes of all connections together, against the engine-wide budget. Past it,
 * connections holding outbound bytes are not read from and their pushes wait, until the total
 * is back under; connections holding none go on, so that healthy readers keep being served
 * while stalled ones hold the budget. [LIMITS-5]
 */
import type { ServerLogger } from './context.js';

/** At most one log line per this long, however often the total crosses the budget. */
const LOG_EVERY_MS = 10_000;

export class OutboundBudget {
  /** The highest total seen since start. */
  peak = 0;
  /** How many times the total went over the budget. */
  timesOver = 0;

  private total = 0;
  private waiters = new Set<() => void>();
  private loggedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly limit: number,
    private readonly log: ServerLogger,
  ) {}

  get bytes(): number {
    return this.total;
  }

  get over(): boolean {
    return this.total >= this.limit;
  }

  /** A connection's outbound bytes changed by `delta`. */
  add(delta: number): void {
    const wasOver = this.over;
    this.total += delta;
    if (this.total > this.peak) this.peak = this.total;
    if (!wasOver && this.over) this.wentOver();
    if (!wasOver || this.over || this.waiters.size === 0) return;
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Calls `wake` once, the next time the total falls back under the budget. */
  whenUnder(wake: () => void): void {
    this.waiters.add(wake);
  }

  /** Forgets a `whenUnder` callback (its connection closed). */
  forget(wake: () => void): void {
    this.waiters.delete(wake);
  }

  private wentOver(): void {
    this.timesOver += 1;
    const now = performance.now();
    if (now - this.loggedAt < LOG_EVERY_MS) return;
    this.loggedAt = now;
    this.log.warn(
      { bytes: this.total, limit: this.limit, peak: this.peak, timesOver: this.timesOver },
      'outbound budget reached: connections holding outbound bytes are not read from until they drain',
    );
  }
}
