/**
 * The overview's rate history: the last samples of the broker's `appended` and `delivered`
 * counters, and the rates between consecutive ones. Pure and immutable, so a page keeps it in
 * state and tests feed it samples.
 */
import { rateBetween } from './format.js';

/** One brokerInfo answer, reduced to what the rates need. */
export interface Sample {
  /** The broker's clock (`now`), so rates do not depend on when the answer arrived. */
  at: number;
  appended: number;
  delivered: number;
}

/** Messages per second in (appended) and out (delivered) over the interval ending at `at`. */
export interface RatePoint {
  at: number;
  in: number;
  out: number;
}

export interface RateHistory {
  readonly samples: readonly Sample[];
  readonly capacity: number;
}

/** Three minutes of samples two seconds apart. */
export const HISTORY_CAPACITY = 90;

export function emptyHistory(capacity = HISTORY_CAPACITY): RateHistory {
  return { samples: [], capacity: Math.max(2, capacity) };
}

/**
 * Adds a sample, dropping the oldest past the capacity. A sample no later than the last one
 * (the same answer seen twice, or a broker's clock that stepped back) replaces the history:
 * rates across it would mean nothing.
 */
export function push(history: RateHistory, sample: Sample): RateHistory {
  const last = history.samples.at(-1);
  if (last !== undefined && sample.at <= last.at)
    return sample.at === last.at ? history : { ...history, samples: [sample] };
  const samples = [...history.samples, sample];
  return { ...history, samples: samples.slice(-history.capacity) };
}

/** The rate between each pair of consecutive samples, oldest first: one fewer than samples. */
export function rates(history: RateHistory): RatePoint[] {
  const points: RatePoint[] = [];
  const { samples } = history;
  for (let i = 1; i < samples.length; i++) {
    const before = samples[i - 1] as Sample;
    const after = samples[i] as Sample;
    points.push({
      at: after.at,
      in:
        rateBetween(
          { value: before.appended, at: before.at },
          { value: after.appended, at: after.at },
        ) ?? 0,
      out:
        rateBetween(
          { value: before.delivered, at: before.at },
          { value: after.delivered, at: after.at },
        ) ?? 0,
    });
  }
  return points;
}

/** The latest rates; undefined until two samples exist. */
export function currentRates(history: RateHistory): RatePoint | undefined {
  return rates({ samples: history.samples.slice(-2), capacity: 2 }).at(0);
}
