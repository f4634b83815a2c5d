/**
 * The comparison: one row per run and figure, Ferry beside JetStream, as text or JSON rows. A
 * run repeated gives the median of its repeats that completed.
 */
import type { Figure } from './figures.js';
import type { RunResult } from './runs.js';
import { met, RELATIVE_TARGETS, targetFor } from './targets.js';

export interface Row {
  run: string;
  figure: string;
  ferry: number | undefined;
  jetstream: number | undefined;
  /** Ferry / JetStream. */
  ratio: number | undefined;
  target: string | undefined;
  met: boolean | undefined;
  digits: number;
}

function median(values: readonly number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? sorted[middle]
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function figureOf(results: readonly RunResult[], name: string): Figure | undefined {
  const figures = results.flatMap((result) =>
    result.figures.filter((figure) => figure.name === name),
  );
  const [first] = figures;
  const value = median(figures.map((figure) => figure.value));
  return first === undefined || value === undefined ? undefined : { ...first, value };
}

export function rows(results: readonly RunResult[]): Row[] {
  const runs = [...new Set(results.map((result) => result.run))];
  return runs.flatMap((run) => {
    const ferry = results.filter((result) => result.run === run && result.system === 'Ferry');
    const jetstream = results.filter(
      (result) => result.run === run && result.system === 'JetStream',
    );
    const names = [
      ...new Set([...ferry, ...jetstream].flatMap((result) => result.figures.map((f) => f.name))),
    ];
    return names.map((name): Row => {
      const ours = figureOf(ferry, name);
      const theirs = figureOf(jetstream, name);
      const ratio =
        ours !== undefined && theirs !== undefined && theirs.value !== 0
          ? ours.value / theirs.value
          : undefined;
      const target = targetFor(run, name);
      return {
        run,
        figure: name,
        ferry: ours?.value,
        jetstream: theirs?.value,
        ratio,
        target: target === undefined ? undefined : `${target.op} ${target.ratio.toFixed(1)}x`,
        met: target === undefined || ratio === undefined ? undefined : met(target, ratio),
        digits: (ours ?? theirs)?.digits ?? 0,
      };
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

export function renderTable(table: readonly Row[]): string {
  const header = ['run', 'figure', 'Ferry', 'JetStream', 'Ferry/JS', 'target', ''];
  const lines = table.map((row) => [
    row.run,
    row.figure,
    number(row.ferry, row.digits),
    number(row.jetstream, row.digits),
    row.ratio === undefined ? '-' : `${row.ratio.toFixed(2)}x`,
    row.target ?? '',
    row.met === undefined ? (row.target === undefined ? '' : 'n/a') : row.met ? 'met' : 'MISSED',
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] as string).length)),
  );
  // Text columns align left, figures right.
  const format = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        column < 2 || column > 4
          ? cell.padEnd(widths[column] as number)
          : cell.padStart(widths[column] as number),
      )
      .join('  ')
      .trimEnd();
  const separator = widths.map((width) => '-'.repeat(width)).join('  ');
  return [format(header), separator, ...lines.map(format)].join('\n');
}

/** A Ferry run's figure against another Ferry run's, with the target between them. */
export interface RelativeRow {
  run: string;
  of: string;
  figure: string;
  ratio: number | undefined;
  target: string;
  met: boolean | undefined;
}

export function relativeRows(table: readonly Row[]): RelativeRow[] {
  const ferry = (run: string, figure: string): number | undefined =>
    table.find((row) => row.run === run && row.figure === figure)?.ferry;
  return RELATIVE_TARGETS.flatMap((target): RelativeRow[] => {
    const ours = ferry(target.run, target.figure);
    const base = ferry(target.of, target.figure);
    if (ours === undefined && base === undefined) return [];
    const ratio = ours !== undefined && base !== undefined && base !== 0 ? ours / base : undefined;
    return [
      {
        run: target.run,
        of: target.of,
        figure: target.figure,
        ratio,
        target: `>= ${target.ratio.toFixed(1)}x`,
        met: ratio === undefined ? undefined : ratio >= target.ratio,
      },
    ];
  });
}

export function renderRelative(rows: readonly RelativeRow[]): string[] {
  return rows.map((row) => {
    const ratio = row.ratio === undefined ? '-' : `${row.ratio.toFixed(2)}x`;
    const verdict = row.met === undefined ? 'n/a' : row.met ? 'met' : 'MISSED';
    return `Ferry ${row.run} / ${row.of} ${row.figure}: ${ratio} (target ${row.target}: ${verdict})`;
  });
}
