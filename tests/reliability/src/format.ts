import type { Report } from './report.js';

/** A report as a small table: its verdict, then one figure per line, then the failures. */
export function formatReport(report: Report): string {
  const width = Math.max(0, ...Object.keys(report.figures).map((k) => k.length));
  return [
    `${report.name}: ${report.failures.length === 0 ? 'ok' : 'FAILED'}`,
    ...Object.entries(report.figures).map(([key, value]) => `  ${key.padEnd(width)}  ${value}`),
    ...report.failures.map((failure) => `  ! ${failure}`),
  ].join('\n');
}
