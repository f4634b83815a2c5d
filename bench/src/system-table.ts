/**
 * The `--jetstream-cluster` table: one column per system (a figure is the median of its
 * repeats) and the ratios between pairs of them, e.g. Ferry on JetStream R3 over JetStream R3.
 */
import type { RunResult } from './runs.js';
import { figureOf } from './table.js';

/** `of`'s figure over `over`'s, both system names. */
export interface Ratio {
  label: string;
  of: string;
  over: string;
}

export interface SystemRow {
  run: string;
  figure: string;
  /** By system, in the order given. */
  values: Record<string, number | undefined>;
  /** By ratio label. */
  ratios: Record<string, number | undefined>;
  digits: number;
}

export function systemRows(
  results: readonly RunResult[],
  systems: readonly string[],
  ratios: readonly Ratio[],
): SystemRow[] {
  const runs = [...new Set(results.map((result) => result.run))];
  return runs.flatMap((run) => {
    const ofRun = results.filter((result) => result.run === run);
    const names = [...new Set(ofRun.flatMap((result) => result.figures.map((f) => f.name)))];
    return names.map((figure): SystemRow => {
      const values: Record<string, number | undefined> = {};
      let digits = 0;
      for (const system of systems) {
        const found = figureOf(
          ofRun.filter((result) => result.system === system),
          figure,
        );
        values[system] = found?.value;
        if (found !== undefined) digits = found.digits;
      }
      const between: Record<string, number | undefined> = {};
      for (const ratio of ratios) {
        const of = values[ratio.of];
        const over = values[ratio.over];
        between[ratio.label] =
          of !== undefined && over !== undefined && over !== 0 ? of / over : undefined;
      }
      return { run, figure, values, ratios: between, digits };
    });
  });
}

function number(value: number | undefined, digits: number): string {
  if (value === undefined) return '-';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** `headers` are the columns' titles, one per system (shorter than the names, for width). */
export function renderSystemTable(
  table: readonly SystemRow[],
  systems: readonly { name: string; header: string }[],
  ratios: readonly Ratio[],
): string {
  const header = [
    'run',
    'figure',
    ...systems.map((system) => system.header),
    ...ratios.map((r) => r.label),
  ];
  const lines = table.map((row) => [
    row.run,
    row.figure,
    ...systems.map((system) => number(row.values[system.name], row.digits)),
    ...ratios.map((r) => {
      const value = row.ratios[r.label];
      return value === undefined ? '-' : `${value.toFixed(2)}x`;
    }),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] as string).length)),
  );
  const format = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        column < 2
          ? cell.padEnd(widths[column] as number)
          : cell.padStart(widths[column] as number),
      )
      .join('  ')
      .trimEnd();
  const separator = widths.map((width) => '-'.repeat(width)).join('  ');
  return [format(header), separator, ...lines.map(format)].join('\n');
}
