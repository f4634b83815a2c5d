/** What a benchmark run measured, and the figures the final table shows. */

/** The nearest rank, 1-based; the epsilon keeps 99.9% of 1000 at 999 despite binary fractions. */
function rank(p: number, n: number): number {
  return Math.max(1, Math.ceil((p * n) / 100 - 1e-9));
}

/** Latencies in milliseconds, one slot per message, so that memory is bounded by --messages. */
export class Latencies {
  private readonly values: Float64Array;
  private count = 0;

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
  }

  record(ms: number): void {
    if (this.count < this.values.length) this.values[this.count++] = ms;
  }

  /** The nearest-rank percentile (0 < p <= 100), or undefined before any sample. */
  percentiles(ps: readonly number[]): (number | undefined)[] {
    const sorted = this.values.slice(0, this.count).sort();
    return ps.map((p) => (sorted.length === 0 ? undefined : sorted[rank(p, sorted.length) - 1]));
  }
}

export interface Run {
  test: string;
  messages: number;
  bytes: number;
  seconds: number;
  latencies?: Latencies;
}

export interface Figures {
  test: string;
  messages: number;
  seconds: number;
  msgsPerSecond: number;
  mbPerSecond: number;
  p50Ms?: number;
  p99Ms?: number;
  p999Ms?: number;
}

export function figures(run: Run): Figures {
  const [p50Ms, p99Ms, p999Ms] = run.latencies?.percentiles([50, 99, 99.9]) ?? [];
  return {
    test: run.test,
    messages: run.messages,
    seconds: run.seconds,
    msgsPerSecond: run.messages / run.seconds,
    mbPerSecond: run.bytes / 1e6 / run.seconds,
    ...(p50Ms === undefined ? {} : { p50Ms, p99Ms, p999Ms }),
  };
}
