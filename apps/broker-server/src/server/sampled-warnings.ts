/**
 * Warnings an attacker can trigger at will (refused connections, refused handshakes): the
 * first of each kind is logged, then at most one line per interval carrying how many were
 * left out since, so that a flood of refusals cannot flood the log. The refusals themselves
 * are still counted where they happen.
 */
import type { ServerLogger } from './context.js';

export const SAMPLE_INTERVAL_MS = 10_000;

export class SampledWarnings {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: ServerLogger,
    private readonly intervalMs = SAMPLE_INTERVAL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Logs `message` unless one was logged less than an interval ago; the kinds are the messages, a fixed set. */
  warn(fields: object, message: string): void {
    const now = this.now();
    const entry = this.last.get(message);
    if (entry !== undefined && now - entry.at < this.intervalMs) {
      entry.suppressed += 1;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.log.warn(suppressed > 0 ? { ...fields, suppressed } : fields, message);
    this.last.set(message, { at: now, suppressed: 0 });
  }
}
