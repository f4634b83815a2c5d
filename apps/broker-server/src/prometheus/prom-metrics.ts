/**
 * The metrics slice on prom-client, and the exposition GET /metrics serves. Counters and
 * gauges keep their values in plain series objects (series.ts) that are copied into
 * prom-client's instruments when it reads them, so counting costs a lookup and an addition;
 * histograms observe straight into prom-client, once per batch or fdatasync.
 */
import * as client from 'prom-client';
import type {
  Counter,
  Exposition,
  Gauge,
  GaugeOptions,
  Histogram,
  HistogramOptions,
  InstrumentOptions,
  Labels,
  Metrics,
} from '../metrics.js';
import { processMetrics } from './process-metrics.js';
import { SeriesTable } from './series.js';

export interface PromMetricsOptions {
  /**
   * Keep the station and group labels; false adds the series of all stations and groups up,
   * for brokers with so many that one series each would be too many.
   */
  perObject: boolean;
}

interface ValueSeries {
  readonly labels: Labels;
  value: number;
}

type Kind = 'counter' | 'gauge' | 'histogram';

interface Instrument {
  kind: Kind;
  facade: Counter | Gauge | Histogram;
  series: SeriesTable<{ readonly labels: Labels }>;
  /** Called with the series `forget` removed. */
  forgotten?: (gone: { readonly labels: Labels }[]) => void;
}

const valueSeries = (labels: Labels): ValueSeries => ({ labels, value: 0 });

export class PromMetrics implements Metrics, Exposition {
  private readonly registry = new client.Registry();
  private readonly instruments = new Map<string, Instrument>();
  private readonly collectors: Array<() => void | Promise<void>> = [];
  /** The series of the gauges the collectors fill, emptied before each scrape. */
  private readonly collected: SeriesTable<ValueSeries>[] = [];
  /** The scrape under way: a scrape asked for meanwhile gets its result, so scrapes never overlap. */
  private scraping: Promise<string> | undefined;

  /** Started with the broker, so that the first scrape has the event-loop lag since then. */
  private readonly processRegistry = processMetrics();

  constructor(private readonly options: PromMetricsOptions) {}

  get contentType(): string {
    return this.registry.contentType;
  }

  counter(name: string, options: InstrumentOptions): Counter {
    return this.instrument(name, 'counter', () => {
      const series = this.table(name, options, valueSeries);
      // Registered in the registry, which reads the series through collect at each scrape.
      new client.Counter({
        name,
        help: options.help,
        labelNames: series.names,
        registers: [this.registry],
        collect() {
          this.reset();
          for (const s of series.values()) this.inc(s.labels, s.value);
        },
      });
      const facade: Counter = {
        inc: (labels, value = 1) => {
          if (value < 0) throw new Error(`${name} is a counter: it cannot go down by ${value}`);
          series.get(labels).value += value;
        },
      };
      return { kind: 'counter', facade, series };
    }) as Counter;
  }

  gauge(name: string, options: GaugeOptions): Gauge {
    return this.instrument(name, 'gauge', () => {
      const series = this.table(name, options, valueSeries);
      if (options.collected) this.collected.push(series);
      new client.Gauge({
        name,
        help: options.help,
        labelNames: series.names,
        registers: [this.registry],
        collect() {
          this.reset();
          for (const s of series.values()) this.set(s.labels, s.value);
        },
      });
      const facade: Gauge = {
        set: (labels, value) => {
          series.get(labels).value = value;
        },
        inc: (labels, value = 1) => {
          series.get(labels).value += value;
        },
        dec: (labels, value = 1) => {
          series.get(labels).value -= value;
        },
      };
      return { kind: 'gauge', facade, series };
    }) as Gauge;
  }

  histogram(name: string, options: HistogramOptions): Histogram {
    return this.instrument(name, 'histogram', () => {
      const series = this.table(name, options, (labels) => ({ labels }));
      const histogram = new client.Histogram({
        name,
        help: options.help,
        labelNames: series.names,
        registers: [this.registry],
        ...(options.buckets === undefined ? {} : { buckets: [...options.buckets] }),
      });
      const facade: Histogram = {
        observe: (labels, value) => histogram.observe(series.get(labels).labels, value),
      };
      const forgotten = (gone: { readonly labels: Labels }[]) => {
        for (const s of gone) histogram.remove(s.labels);
      };
      return { kind: 'histogram', facade, series, forgotten };
    }) as Histogram;
  }

  onScrape(collect: () => void | Promise<void>): void {
    this.collectors.push(collect);
  }

  forget(labels: Labels): void {
    for (const instrument of this.instruments.values()) {
      const gone = instrument.series.forget(labels);
      if (gone.length > 0) instrument.forgotten?.(gone);
    }
  }

  scrape(): Promise<string> {
    this.scraping ??= this.collect().finally(() => {
      this.scraping = undefined;
    });
    return this.scraping;
  }

  private async collect(): Promise<string> {
    for (const series of this.collected) series.clear();
    for (const collect of this.collectors) await collect();
    return client.Registry.merge([this.registry, this.processRegistry]).metrics();
  }

  private table<S extends { readonly labels: Labels }>(
    name: string,
    options: InstrumentOptions,
    make: (labels: Labels) => S,
  ): SeriesTable<S> {
    return new SeriesTable(name, options.labelNames ?? [], this.options.perObject, make);
  }

  /** The instrument named `name`, made by `make` the first time it is asked for. */
  private instrument(name: string, kind: Kind, make: () => Instrument): Instrument['facade'] {
    let instrument = this.instruments.get(name);
    if (instrument === undefined) {
      instrument = make();
      this.instruments.set(name, instrument);
    } else if (instrument.kind !== kind) {
      throw new Error(`${name} is a ${instrument.kind}, not a ${kind}`);
    }
    return instrument.facade;
  }
}
