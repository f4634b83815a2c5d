/**
 * Refusals a client can cause at will (denied requests, failed reauths) are each counted, but
 * logged at most `perWindow` times a window; the next one logged says how many were left out.
 * One budget per connection, or per remote address for HTTP requests. [SEC-8]
 */
export class RefusalBudget {
  private since = Number.NEGATIVE_INFINITY;
  private logged = 0;
  private suppressed = 0;

  constructor(
    private readonly perWindow = 10,
    private readonly windowMs = 10_000,
  ) {}

  /** Undefined when this refusal stays out of the log; else how many were left out before it. */
  take(now = performance.now()): number | undefined {
    if (now - this.since >= this.windowMs) {
      this.since = now;
      this.logged = 0;
    }
    if (this.logged >= this.perWindow) {
      this.suppressed += 1;
      return undefined;
    }
    this.logged += 1;
    const left = this.suppressed;
    this.suppressed = 0;
    return left;
  }
}

/** Budgets by key (remote address), the least recently used dropped past `max` keys. */
export class RefusalBudgets {
  private readonly budgets = new Map<string, RefusalBudget>();

  constructor(private readonly max = 1024) {}

  of(key: string): RefusalBudget {
    let budget = this.budgets.get(key);
    if (budget !== undefined) this.budgets.delete(key);
    else budget = new RefusalBudget();
    this.budgets.set(key, budget);
    if (this.budgets.size > this.max) {
      const oldest = this.budgets.keys().next().value;
      if (oldest !== undefined) this.budgets.delete(oldest);
    }
    return budget;
  }
}
