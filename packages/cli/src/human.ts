/** Sizes and durations as people read them, for tables; `--json` keeps the raw numbers. */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Binary units, one decimal above a KiB: 1536 → "1.5 KiB". */
export function bytes(n: number): string {
  let value = n;
  let unit = 0;
  // From 1023.95 one decimal would read "1024.0" of a unit: that is 1 of the next.
  while (value >= (unit === 0 ? 1024 : 1023.95) && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

const DURATION_UNITS: readonly [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** The two largest units, truncated: 93_784_000 → "1d 2h", 61_000 → "1m 1s", 250 → "250ms". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const first = DURATION_UNITS.findIndex(([, size]) => ms >= size);
  const parts: string[] = [];
  let rest = ms;
  for (const [name, size] of DURATION_UNITS.slice(first, first + 2)) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n}${name}`);
  }
  return parts.join(' ');
}
