/** Nearest-rank percentiles of latency samples. */
export interface LatencySummary {
  samples: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export function summarize(samples: Float64Array): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const at = (percent: number): number => {
    if (sorted.length === 0) return Number.NaN;
    const rank = Math.ceil((percent / 100) * sorted.length);
    return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
  };
  return {
    samples: sorted.length,
    p50: at(50),
    p99: at(99),
    p999: at(99.9),
    max: at(100),
  };
}
