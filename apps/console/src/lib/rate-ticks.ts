/** The y axis of the rate chart: a top and three or four round ticks from 0. Pure. */

export interface Scale {
  top: number;
  ticks: number[];
}

/**
 * The smallest step of 1, 2 or 5 × 10ⁿ that covers `max` in at most three steps, so the axis
 * shows 3 or 4 ticks; an all-zero chart still gets an axis (0 to 1).
 */
export function niceScale(max: number): Scale {
  const span = Number.isFinite(max) && max > 0 ? max : 1;
  const rough = span / 3;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step =
    [1, 2, 5].map((m) => m * magnitude).find((s) => s >= rough * (1 - 1e-9)) ?? 10 * magnitude;
  const steps = Math.max(1, Math.ceil(span / step - 1e-9));
  const ticks = Array.from({ length: steps + 1 }, (_, i) => round(i * step));
  return { top: round(steps * step), ticks };
}

/** Drops the float noise of steps like 0.1 × 3. */
function round(n: number): number {
  return Number(n.toPrecision(12));
}
