/** How the console writes numbers, sizes, rates, durations and times. Pure, so unit-tested. */

const count = new Intl.NumberFormat('en');
const compact = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

/** 1234567 → "1,234,567". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  return count.format(n);
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Binary units, one decimal above a KiB: 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  let value = bytes;
  let unit = 0;
  // From 1023.95, one decimal would read "1,024" of a unit: that is 1 of the next.
  while (value >= (unit === 0 ? 1024 : 1023.95) && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${compact.format(value)} ${BYTE_UNITS[unit]}`;
}

/** Messages per second: whole numbers from 10 up, one decimal below. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond < 0) return '–';
  if (perSecond >= 10) return `${count.format(Math.round(perSecond))}/s`;
  return `${compact.format(perSecond)}/s`;
}

/** A duration in its two largest units: 93_784_000 → "1d 2h", 61_000 → "1m 1s", 250 → "250 ms". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  const parts: string[] = [];
  let rest = ms;
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0 || parts.length > 0) parts.push(`${n}${name}`);
    rest -= n * size;
    if (parts.length === 2) break;
  }
  return parts.filter((p) => !p.startsWith('0')).join(' ') || '0s';
}

/** An instant (ms since the epoch) as local date and time to the second, ISO-like. */
export function formatTime(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** How long ago, from `now`: "12s ago", "3m 4s ago"; "just now" under a second. */
export function formatAgo(ms: number, now: number): string {
  const age = now - ms;
  if (age < 1000) return 'just now';
  return `${formatDuration(age)} ago`;
}

/**
 * The rate between two samples of a counter that only grows; undefined without two samples,
 * and 0 when the counter went back (a station deleted, a broker restarted).
 */
export function rateBetween(
  before: { value: number; at: number } | undefined,
  after: { value: number; at: number },
): number | undefined {
  if (before === undefined || after.at <= before.at) return undefined;
  const delta = after.value - before.value;
  return delta < 0 ? 0 : (delta * 1000) / (after.at - before.at);
}
