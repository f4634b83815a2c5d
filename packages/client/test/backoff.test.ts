import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, backoffFrom } from '../src/backoff.js';

describe('backoff with full jitter', () => {
  it('stays within [0, min(max, initial * 2^(attempt-1))] for any settings and randomness', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 2_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (initial, extra, attempt, random) => {
          const backoff = backoffFrom({ initialDelayMs: initial, maxDelayMs: initial + extra });
          const delay = backoffDelay(backoff, attempt, () => random);
          const ceiling =
            initial === 0 ? 0 : Math.min(initial + extra, initial * 2 ** (attempt - 1));
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(ceiling);
          expect(Number.isInteger(delay)).toBe(true);
        },
      ),
    );
  });

  it('doubles its ceiling each attempt until the cap', () => {
    const backoff = backoffFrom({ initialDelayMs: 100, maxDelayMs: 1000 });
    const top = (attempt: number): number => backoffDelay(backoff, attempt, () => 0.999_999);
    expect([1, 2, 3, 4, 5, 6].map(top)).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('is unlimited by default and rejects nonsense', () => {
    expect(backoffFrom().maxAttempts).toBe(Number.POSITIVE_INFINITY);
    expect(() => backoffFrom({ initialDelayMs: 10, maxDelayMs: 5 })).toThrow(RangeError);
    expect(() => backoffFrom({ maxAttempts: 0 })).toThrow(RangeError);
  });
});
