/**
 * Metrics kept in memory, for tests to read back: each instrument's values by label set. It
 * holds to the contract a real registry does: one instrument per name (asking again returns
 * it, asking for another kind throws), labels only of the names given at creation, counters
 * that never go down, collected gauges emptied before the collectors run (`scrape`).
 */
import type {
  Counter,
  Gauge,
  GaugeOptions,
  Histogram,
  HistogramOptions,
  InstrumentOptions,
  Labels,
  Metrics,
} from '../../src/metrics.js';

type Kind = 'counter' | 'gauge' | 'histogram';

class Instrument {
  /** Values (observations, for a histogram) by label set, keyed in label-name order. */
  readonly values = new Map<string, number[]>();

  constructor(
    readonly name: string,
    readonly kind: Kind,
    readonly options: InstrumentOptions,
  ) {}

  key(labels: Labels | undefined): string {
    const names = this.options.labelNames ?? [];
    for (const name of Object.keys(labels ?? {}))
      if (!names.includes(name)) throw new Error(`${this.name} has no label ${name}`);
    return JSON.stringify(names.map((name) => labels?.[name] ?? ''));
  }

  /** The value of a counter or gauge for these labels; 0 when never touched. */
  value(labels: Labels | undefined): number {
    return this.values.get(this.key(labels))?.[0] ?? 0;
  }

  add(labels: Labels | undefined, value: number): void {
    this.values.set(this.key(labels), [this.value(labels) + value]);
  }

  set(labels: Labels | undefined, value: number): void {
    this.values.set(this.key(labels), [value]);
  }

  observe(labels: Labels | undefined, value: number): void {
    const key = this.key(labels);
    const observed = this.values.get(key) ?? [];
    observed.push(value);
    this.values.set(key, observed);
  }
}

export class RecordingMetrics implements Metrics {
  /** Each instrument, and what `counter`, `gauge` or `histogram` handed out for it. */
  private readonly instruments = new Map<string, { instrument: Instrument; facade: object }>();
  private readonly collectors: Array<() => void | Promise<void>> = [];

  counter(name: string, options: InstrumentOptions): Counter {
    return this.instrument(name, 'counter', options, (instrument) => ({
      inc: (labels, value = 1) => {
        if (value < 0) throw new Error(`${name} is a counter: it cannot go down by ${value}`);
        instrument.add(labels, value);
      },
    }));
  }

  gauge(name: string, options: GaugeOptions): Gauge {
    return this.instrument(name, 'gauge', options, (instrument) => ({
      set: (labels, value) => instrument.set(labels, value),
      inc: (labels, value = 1) => instrument.add(labels, value),
      dec: (labels, value = 1) => instrument.add(labels, -value),
    }));
  }

  histogram(name: string, options: HistogramOptions): Histogram {
    return this.instrument(name, 'histogram', options, (instrument) => ({
      observe: (labels, value) => instrument.observe(labels, value),
    }));
  }

  onScrape(collect: () => void | Promise<void>): void {
    this.collectors.push(collect);
  }

  forget(labels: Labels): void {
    for (const { instrument } of this.instruments.values()) {
      const names = instrument.options.labelNames ?? [];
      for (const key of [...instrument.values.keys()]) {
        const values = JSON.parse(key) as string[];
        const matches = Object.entries(labels).every(
          ([name, value]) => names.includes(name) && values[names.indexOf(name)] === value,
        );
        if (matches) instrument.values.delete(key);
      }
    }
  }

  /** What a scrape does before reading: collected gauges emptied, then every collector run. */
  async scrape(): Promise<void> {
    for (const { instrument } of this.instruments.values())
      if ((instrument.options as GaugeOptions).collected) instrument.values.clear();
    for (const collect of this.collectors) await collect();
  }

  /** A counter's or gauge's value for exactly these labels; 0 when never touched. */
  value(name: string, labels?: Labels): number {
    return this.single(name).value(labels);
  }

  /** A counter's or gauge's values summed over every label set. */
  sum(name: string): number {
    let total = 0;
    for (const [value = 0] of this.single(name).values.values()) total += value;
    return total;
  }

  /** A histogram's observations for exactly these labels, in order. */
  observations(name: string, labels?: Labels): number[] {
    const instrument = this.get(name);
    if (instrument.kind !== 'histogram') throw new Error(`${name} is a ${instrument.kind}`);
    return [...(instrument.values.get(instrument.key(labels)) ?? [])];
  }

  /** The instrument named `name`, made by `make` the first time it is asked for. */
  private instrument<T extends object>(
    name: string,
    kind: Kind,
    options: InstrumentOptions,
    make: (instrument: Instrument) => T,
  ): T {
    const known = this.instruments.get(name);
    if (known === undefined) {
      const instrument = new Instrument(name, kind, options);
      const facade = make(instrument);
      this.instruments.set(name, { instrument, facade });
      return facade;
    }
    const { instrument, facade } = known;
    if (instrument.kind !== kind) throw new Error(`${name} is a ${instrument.kind}, not a ${kind}`);
    return facade as T;
  }

  /** A counter or gauge: one value per label set. */
  private single(name: string): Instrument {
    const instrument = this.get(name);
    if (instrument.kind === 'histogram') throw new Error(`${name} is a histogram`);
    return instrument;
  }

  private get(name: string): Instrument {
    const known = this.instruments.get(name);
    if (known === undefined) throw new Error(`no instrument named ${name}`);
    return known.instrument;
  }
}
