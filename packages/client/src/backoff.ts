/** Reconnect delays: exponential backoff with full jitter. */

/** How the client reconnects after losing its connection. */
export interface ReconnectOptions {
  /** Upper bound of the first delay, in ms. Default 100. */
  initialDelayMs?: number;
  /** Cap on every delay, in ms. Default 5,000. */
  maxDelayMs?: number;
  /** Attempts before giving up and closing the client. Default unlimited. */
  maxAttempts?: number;
}

export interface Backoff {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxAttempts: number;
}

export function backoffFrom(options: ReconnectOptions = {}): Backoff {
  const backoff = {
    initialDelayMs: options.initialDelayMs ?? 100,
    maxDelayMs: options.maxDelayMs ?? 5_000,
    maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
  };
  if (!(backoff.initialDelayMs >= 0) || !(backoff.maxDelayMs >= backoff.initialDelayMs)) {
    throw new RangeError('reconnect delays must satisfy 0 <= initialDelayMs <= maxDelayMs');
  }
  if (!(backoff.maxAttempts >= 1)) throw new RangeError('reconnect.maxAttempts must be >= 1');
  return backoff;
}

/**
 * The wait before reconnect attempt `attempt` (1-based): uniform in [0, min(max, initial·2^(n-1))].
 * Full jitter spreads a crowd of clients that lost the same broker, so they do not return
 * in lockstep (the AWS architecture blog's "exponential backoff and jitter").
 */
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number): number {
  const ceiling = Math.min(
    backoff.maxDelayMs,
    backoff.initialDelayMs * 2 ** Math.min(attempt - 1, 52),
  );
  return Math.floor(random() * ceiling);
}
