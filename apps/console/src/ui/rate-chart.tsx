import { useEffect, useRef, useState } from 'preact/hooks';
import { formatDuration, formatRate } from '../lib/format.js';
import { currentRates, type RateHistory, type RatePoint, rates } from '../lib/rate-history.js';
import { niceScale } from '../lib/rate-ticks.js';

const HEIGHT = 180;
const MARGIN = { top: 10, right: 14, bottom: 22, left: 58 };
/** The longest time the x axis spans. */
const WINDOW_MS = 180_000;
/** A young history is drawn across at least this much, not squeezed into the window's end. */
const MIN_SPAN_MS = 30_000;

const SERIES = [
  { key: 'in', label: 'In', className: 'line-in' },
  { key: 'out', label: 'Out', className: 'line-out' },
] as const;

/**
 * Messages in and out per second over the last three minutes, drawn by hand: two lines, a y
 * axis of round ticks, and a legend with the current rates (also the chart's accessible name).
 */
export function RateChart(props: { history: RateHistory }) {
  const [box, width] = useWidth();
  const points = rates(props.history);
  const current = currentRates(props.history);
  if (current === undefined)
    return (
      <div class="card chart" ref={box}>
        <p class="chart-waiting" aria-busy="true">
          Measuring rates: the chart starts with the next sample.
        </p>
      </div>
    );
  const scale = niceScale(Math.max(...points.map((p) => Math.max(p.in, p.out))));
  const plotWidth = Math.max(10, width - MARGIN.left - MARGIN.right);
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const end = current.at;
  const first = points[0]?.at ?? end;
  const span = Math.min(WINDOW_MS, Math.max(MIN_SPAN_MS, end - first));
  const x = (at: number) => MARGIN.left + ((at - (end - span)) / span) * plotWidth;
  const y = (rate: number) => MARGIN.top + plotHeight - (rate / scale.top) * plotHeight;
  const path = (key: 'in' | 'out') =>
    points
      .filter((p: RatePoint) => p.at >= end - span)
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p[key]).toFixed(1)}`)
      .join(' ');
  const label = `Messages per second over the last ${formatDuration(span)}: ${formatRate(current.in)} in, ${formatRate(current.out)} out`;
  return (
    <div class="card chart" ref={box}>
      <div class="legend">
        {SERIES.map((s) => (
          <span key={s.key}>
            <span class={`swatch ${s.className}`} aria-hidden="true" />
            {s.label} <strong class="mono">{formatRate(current[s.key])}</strong>
          </span>
        ))}
      </div>
      <svg
        role="img"
        aria-label={label}
        data-testid="rate-chart"
        viewBox={`0 0 ${width} ${HEIGHT}`}
        width={width}
        height={HEIGHT}
      >
        {scale.ticks.map((tick) => (
          <g key={tick} class="tick">
            <line x1={MARGIN.left} x2={MARGIN.left + plotWidth} y1={y(tick)} y2={y(tick)} />
            <text x={MARGIN.left - 8} y={y(tick)} dy="0.32em" text-anchor="end">
              {formatRate(tick)}
            </text>
          </g>
        ))}
        <text class="axis" x={MARGIN.left} y={HEIGHT - 4}>
          last {formatDuration(span)}
        </text>
        <text class="axis" x={MARGIN.left + plotWidth} y={HEIGHT - 4} text-anchor="end">
          now
        </text>
        {SERIES.map((s) => (
          <path key={s.key} class={s.className} d={path(s.key)} />
        ))}
        {/* The latest value of each series, visible from the first rate on. */}
        {SERIES.map((s) => (
          <circle
            key={`${s.key}-now`}
            class={`now ${s.className}`}
            cx={x(current.at)}
            cy={y(current[s.key])}
            r={3.5}
          />
        ))}
      </svg>
    </div>
  );
}

/** The element's width in CSS pixels, followed as it resizes, so text is never stretched. */
function useWidth(): [{ current: HTMLDivElement | null }, number] {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(640);
  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const measure = () => setWidth(Math.max(200, Math.floor(element.clientWidth - 32)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [box, width];
}
