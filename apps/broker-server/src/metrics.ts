/**
 * The metrics slice every layer counts and times through, injected like the storage logger.
 * It follows Prometheus's model (counters, gauges, histograms with label names fixed at
 * creation) so a registry such as prom-client implements it directly; the default does nothing.
 */

/** Label values by label name; only names given when the instrument was created. */
export type Labels = Readonly<Record<string, string>>;

export interface Counter {
  /** Adds `value` (default 1, never negative). */
  inc(labels?: Labels, value?: number): void;
}

export interface Gauge {
  set(labels: Labels | undefined, value: number): void;
  inc(labels?: Labels, value?: number): void;
  dec(labels?: Labels, value?: number): void;
}

export interface Histogram {
  /** Records one observation (seconds for durations, bytes for sizes). */
  observe(labels: Labels | undefined, value: number): void;
}

export interface InstrumentOptions {
  help: string;
  labelNames?: readonly string[];
}

export interface HistogramOptions extends InstrumentOptions {
  /** Upper bounds of the buckets, ascending; the implementation's defaults when absent. */
  buckets?: readonly number[];
}

/**
 * Creates instruments. Asking twice for one name returns the same instrument, so every
 * station or connection may ask for what it counts.
 */
export interface Metrics {
  counter(name: string, options: InstrumentOptions): Counter;
  gauge(name: string, options: InstrumentOptions): Gauge;
  histogram(name: string, options: HistogramOptions): Histogram;
}

const none = {
  inc() {},
  dec() {},
  set() {},
  observe() {},
};

/** Counts nothing: the default wherever no metrics are wanted. */
export const noMetrics: Metrics = {
  counter: () => none,
  gauge: () => none,
  histogram: () => none,
};

/** Seconds since `start` (a `performance.now()` reading), as histograms of durations take them. */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}
