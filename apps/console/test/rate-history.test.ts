import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  currentRates,
  emptyHistory,
  HISTORY_CAPACITY,
  push,
  type RateHistory,
  rates,
  type Sample,
} from '../src/lib/rate-history.js';

const sample = (at: number, appended: number, delivered: number): Sample => ({
  at,
  appended,
  delivered,
});
const fill = (samples: Sample[], history: RateHistory = emptyHistory()) =>
  samples.reduce(push, history);

describe('rate history', () => {
  it('has no rates until two samples exist', () => {
    expect(currentRates(emptyHistory())).toBeUndefined();
    expect(rates(fill([sample(0, 10, 5)]))).toEqual([]);
    expect(currentRates(fill([sample(0, 10, 5)]))).toBeUndefined();
  });

  it('derives in and out per second from the counters and the broker clock', () => {
    const history = fill([sample(0, 100, 50), sample(2000, 300, 60), sample(4000, 300, 100)]);
    expect(rates(history)).toEqual([
      { at: 2000, in: 100, out: 5 },
      { at: 4000, in: 0, out: 20 },
    ]);
    expect(currentRates(history)).toEqual({ at: 4000, in: 0, out: 20 });
  });

  it('uses the time between answers, not the poll interval', () => {
    expect(currentRates(fill([sample(0, 0, 0), sample(500, 100, 0)]))?.in).toBe(200);
  });

  it('reads a counter that went back (a broker restart, a station deleted) as 0', () => {
    const history = fill([sample(0, 1000, 900), sample(2000, 10, 1000), sample(4000, 30, 1010)]);
    expect(rates(history)).toEqual([
      { at: 2000, in: 0, out: 50 },
      { at: 4000, in: 10, out: 5 },
    ]);
  });

  it('ignores the same answer twice', () => {
    const history = fill([sample(0, 0, 0), sample(2000, 10, 10)]);
    expect(push(history, sample(2000, 10, 10))).toBe(history);
  });

  it('starts over when the clock goes back', () => {
    const history = fill([sample(5000, 0, 0), sample(7000, 10, 10), sample(1000, 20, 20)]);
    expect(history.samples).toEqual([sample(1000, 20, 20)]);
    expect(rates(history)).toEqual([]);
  });

  it('keeps the last 90 samples by default, oldest first', () => {
    const history = fill(Array.from({ length: 200 }, (_, i) => sample(i * 2000, i, i)));
    expect(history.samples.length).toBe(HISTORY_CAPACITY);
    expect(HISTORY_CAPACITY).toBe(90);
    expect(history.samples[0]?.at).toBe(110 * 2000);
    expect(history.samples.at(-1)?.at).toBe(199 * 2000);
    expect(rates(history).length).toBe(89);
  });

  it('never holds more than its capacity, nor rates below 0', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 20 }),
        fc.array(
          fc.record({
            step: fc.integer({ min: -1000, max: 5000 }),
            appended: fc.nat(),
            delivered: fc.nat(),
          }),
        ),
        (capacity, steps) => {
          let at = 0;
          let history = emptyHistory(capacity);
          for (const s of steps) {
            at += s.step;
            history = push(history, sample(at, s.appended, s.delivered));
            expect(history.samples.length).toBeLessThanOrEqual(capacity);
          }
          for (const point of rates(history)) {
            expect(point.in).toBeGreaterThanOrEqual(0);
            expect(point.out).toBeGreaterThanOrEqual(0);
            expect(Number.isFinite(point.in)).toBe(true);
          }
        },
      ),
    );
  });

  it('does not change the history it was given', () => {
    const history = fill([sample(0, 0, 0)]);
    push(history, sample(1000, 1, 1));
    expect(history.samples.length).toBe(1);
  });
});
