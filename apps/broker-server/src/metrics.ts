/**
 * The metrics slice every layer counts and times through, injected like the storage logger.
 * It follows Prometheus's model (counters, gauges, histograms with label names fixed at
 * creation) so a registry such as prom-client implements it directly (prometheus/); the
 * default does nothing.
 *
 * Label objects: pass the same object for the same label set each time (make it once per
 * station, group or transport). Implementations may keep a series per object, so that counting
 * on a hot path neither allocates nor hashes label values.
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

export interface GaugeOptions extends InstrumentOptions {
  /**
   * The gauge describes state that an {@link Metrics.onScrape} collector reads from the domain:
   * it is emptied before every scrape and the collectors `inc` it, so that values of label sets
   * merged into one (per-object labels off) add up, and a deleted station's series is gone.
   */
  collected?: boolean;
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
  gauge(name: string, options: GaugeOptions): Gauge;
  histogram(name: string, options: HistogramOptions): Histogram;
  /**
   * Runs `collect` at every scrape, after the collected gauges were emptied and before anything
   * is read: state (lag, sizes) is read then rather than kept up to date by every operation.
   */
  onScrape(collect: () => void | Promise<void>): void;
  /**
   * Drops every series whose labels include all of these (a deleted station's or group's), so
   * that names that come and go do not pile up.
   */
  forget(labels: Labels): void;
}

/** What GET /metrics serves: every instrument, read at the time of the scrape. */
export interface Exposition {
  /** The media type of the text `scrape` returns. */
  readonly contentType: string;
  scrape(): Promise<string>;
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
  onScrape() {},
  forget() {},
};

/** Seconds since `start` (a `performance.now()` reading), as histograms of durations take them. */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}
