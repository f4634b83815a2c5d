/**
 * Failed handshakes per remote address, and how long the answer to the next one waits: the
 * first delay, doubled with each further failure, up to a cap. Holding the answer holds the
 * connection too, so with the per-address cap on pending connections it bounds how fast one
 * address can guess. Addresses are forgotten after a quiet spell, oldest first past a bound.
 * [SEC-3]
 */

export interface FailureDelayOptions {
  /** Delay after an address's first failure; 0 disables delays. */
  firstMs: number;
  maxMs: number;
}

export interface Failure {
  /** Failures of this address, this one included. */
  failures: number;
  /** How long the answer to this failure waits. */
  delayMs: number;
}

/** An address with no failure for this long starts again from the first delay. */
const FORGET_AFTER_MS = 10 * 60_000;
/** Addresses remembered at once; the one failing least recently goes first. */
const MAX_ADDRESSES = 10_000;

interface Entry {
  failures: number;
  lastAt: number;
}

export class FailureDelay {
  /** Failed handshakes since start, all addresses together. */
  total = 0;

  // A Map iterates in insertion order, and every failure re-inserts: oldest first.
  private readonly byAddress = new Map<string, Entry>();

  constructor(private readonly options: FailureDelayOptions) {}

  /** Counts a failure from `address` and says how long its answer waits. */
  record(address: string | undefined, now = Date.now()): Failure {
    this.total += 1;
    const key = address ?? 'unknown';
    const known = this.byAddress.get(key);
    const failures =
      known !== undefined && now - known.lastAt < FORGET_AFTER_MS ? known.failures + 1 : 1;
    this.byAddress.delete(key);
    this.byAddress.set(key, { failures, lastAt: now });
    if (this.byAddress.size > MAX_ADDRESSES) {
      const oldest = this.byAddress.keys().next().value;
      if (oldest !== undefined) this.byAddress.delete(oldest);
    }
    return { failures, delayMs: this.delay(failures) };
  }

  private delay(failures: number): number {
    const { firstMs, maxMs } = this.options;
    if (firstMs === 0) return 0;
    // Past 31 doublings any first delay is over the cap; the exponent stays small.
    return Math.min(maxMs, firstMs * 2 ** Math.min(failures - 1, 31));
  }
}
