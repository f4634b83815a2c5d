/**
 * Slows down guessing: once a remote address has failed handshakes, each further handshake
 * from it waits its turn before its credentials are checked, turns spaced by a delay that
 * doubles with each failure, up to a cap. Waiting before the check, not only before the
 * answer, so that no timing tells a failure early; one turn at a time, so that parallel
 * connections guess no faster; and a turn further away than the cap is refused at once, so
 * that nothing queues for long. Addresses are forgotten after a quiet spell, the one failing
 * least recently first past a bound. [SEC-3]
 */

export interface AuthThrottleOptions {
  /** Delay after an address's first failure; 0 disables the throttle. */
  firstMs: number;
  maxMs: number;
}

export interface Failure {
  /** Failures of this address, this one included. */
  failures: number;
  /** How long the next handshake from this address waits now. */
  delayMs: number;
}

/** An address with no failure for this long starts again from no delay. */
const FORGET_AFTER_MS = 10 * 60_000;
/** Addresses remembered at once. */
const MAX_ADDRESSES = 10_000;

interface Entry {
  failures: number;
  lastFailureAt: number;
  /** When the next turn may start. */
  nextTurnAt: number;
}

export class AuthThrottle {
  /** Failed handshakes since start, all addresses together. */
  total = 0;
  /** Handshakes refused because their turn was too far away. */
  refused = 0;

  // A Map iterates in insertion order, and every failure re-inserts: oldest first.
  private readonly byAddress = new Map<string, Entry>();

  constructor(private readonly options: AuthThrottleOptions) {}

  /**
   * Takes the next turn of `address`: how long to wait before checking its credentials, or
   * undefined when that turn is further away than the cap (refuse now, retriable).
   */
  turn(address: string | undefined, now = Date.now()): number | undefined {
    const entry = this.entry(address, now);
    if (entry === undefined || this.options.firstMs === 0) return 0;
    const start = Math.max(now, entry.nextTurnAt);
    if (start - now > this.options.maxMs) {
      this.refused += 1;
      return undefined;
    }
    entry.nextTurnAt = start + this.delay(entry.failures);
    return start - now;
  }

  /** Counts a failed handshake from `address`. */
  failed(address: string | undefined, now = Date.now()): Failure {
    this.total += 1;
    const key = address ?? 'unknown';
    const known = this.entry(address, now);
    const failures = (known?.failures ?? 0) + 1;
    const delayMs = this.delay(failures);
    const nextTurnAt = Math.max(known?.nextTurnAt ?? 0, now + delayMs);
    this.byAddress.delete(key);
    this.byAddress.set(key, { failures, lastFailureAt: now, nextTurnAt });
    if (this.byAddress.size > MAX_ADDRESSES) {
      const oldest = this.byAddress.keys().next().value;
      if (oldest !== undefined) this.byAddress.delete(oldest);
    }
    return { failures, delayMs: Math.max(0, nextTurnAt - now) };
  }

  private entry(address: string | undefined, now: number): Entry | undefined {
    const key = address ?? 'unknown';
    const entry = this.byAddress.get(key);
    if (entry === undefined || now - entry.lastFailureAt < FORGET_AFTER_MS) return entry;
    this.byAddress.delete(key);
    return undefined;
  }

  private delay(failures: number): number {
    const { firstMs, maxMs } = this.options;
    if (firstMs === 0) return 0;
    // Past 31 doublings any first delay is over the cap; the exponent stays small.
    return Math.min(maxMs, firstMs * 2 ** Math.min(failures - 1, 31));
  }
}
