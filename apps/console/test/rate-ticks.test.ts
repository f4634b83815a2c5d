import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { niceScale } from '../src/lib/rate-ticks.js';

describe('niceScale', () => {
  it('picks round steps from 0', () => {
    expect(niceScale(100)).toEqual({ top: 100, ticks: [0, 50, 100] });
    expect(niceScale(110)).toEqual({ top: 150, ticks: [0, 50, 100, 150] });
    expect(niceScale(7)).toEqual({ top: 10, ticks: [0, 5, 10] });
    expect(niceScale(0.3)).toEqual({ top: 0.3, ticks: [0, 0.1, 0.2, 0.3] });
    expect(niceScale(2500)).toEqual({ top: 3000, ticks: [0, 1000, 2000, 3000] });
  });

  it('still draws an axis for an idle broker', () => {
    expect(niceScale(0)).toEqual({ top: 1, ticks: [0, 0.5, 1] });
    expect(niceScale(Number.NaN)).toEqual({ top: 1, ticks: [0, 0.5, 1] });
  });

  it('always gives 3 or 4 ticks from 0 whose top covers the maximum', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e9, noNaN: true }), (max) => {
        const { top, ticks } = niceScale(max);
        expect(ticks.length).toBeGreaterThanOrEqual(3);
        expect(ticks.length).toBeLessThanOrEqual(4);
        expect(ticks[0]).toBe(0);
        expect(ticks.at(-1)).toBe(top);
        expect(top).toBeGreaterThanOrEqual(max * (1 - 1e-9));
      }),
    );
  });
});
