/**
 * The outbound bytes of all connections together, against the engine-wide budget. Past it,
 * connections holding outbound bytes are not read from and their pushes wait, until the total
 * is back under; connections holding none go on, so that healthy readers keep being served
 * while stalled ones hold the budget. [LIMITS-5]
 */
export class OutboundBudget {
  private total = 0;
  private waiters = new Set<() => void>();

  constructor(readonly limit: number) {}

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
}
