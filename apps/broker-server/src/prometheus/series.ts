/**
 * The series of one instrument, by label set. A label object resolves to its series once, by
 * its values, and by its identity after that: callers keep one label object per station, group
 * or transport, so counting on a hot path is a WeakMap lookup, with nothing hashed or allocated.
 */
import type { Labels } from '../metrics.js';

/** Labels that name a station or a group: left out when per-object labels are off. */
export const OBJECT_LABELS: ReadonlySet<string> = new Set(['station', 'group']);

const NO_LABELS: Labels = Object.freeze({});

export class SeriesTable<S extends { readonly labels: Labels }> {
  /** The label names the series carry, in the order the instrument was created with. */
  readonly names: readonly string[];
  private byObject = new WeakMap<Labels, S>();
  private readonly byValues = new Map<string, S>();

  constructor(
    private readonly instrument: string,
    private readonly declared: readonly string[],
    perObject: boolean,
    private readonly make: (labels: Labels) => S,
  ) {
    this.names = perObject ? declared : declared.filter((name) => !OBJECT_LABELS.has(name));
  }

  get(labels: Labels = NO_LABELS): S {
    let series = this.byObject.get(labels);
    if (series === undefined) {
      series = this.resolve(labels);
      this.byObject.set(labels, series);
    }
    return series;
  }

  values(): IterableIterator<S> {
    return this.byValues.values();
  }

  clear(): void {
    this.byValues.clear();
    this.byObject = new WeakMap();
  }

  /** Removes the series whose labels include all of `labels`, and returns them. */
  forget(labels: Labels): S[] {
    const gone: S[] = [];
    for (const [key, series] of this.byValues) {
      if (Object.entries(labels).every(([name, value]) => series.labels[name] === value)) {
        this.byValues.delete(key);
        gone.push(series);
      }
    }
    // Label objects that led to a removed series must resolve afresh.
    if (gone.length > 0) this.byObject = new WeakMap();
    return gone;
  }

  private resolve(labels: Labels): S {
    for (const name in labels)
      if (!this.declared.includes(name)) throw new Error(`${this.instrument} has no label ${name}`);
    let key = '';
    const kept: Record<string, string> = {};
    for (const name of this.names) {
      const value = labels[name] ?? '';
      key += `${value}\u0000`;
      kept[name] = value;
    }
    let series = this.byValues.get(key);
    if (series === undefined) {
      series = this.make(kept);
      this.byValues.set(key, series);
    }
    return series;
  }
}
