/** Parsers for option values; a bad value is a usage error (exit 1) before anything is sent. */

import { InvalidArgumentError } from 'commander';
import { CliError } from './exit-codes.js';

export function integer(value: string): number {
  const parsed = Number(value);
  // Number('') is 0: only digits are a number here.
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed))
    throw new InvalidArgumentError('expected a whole number (0 or more)');
  return parsed;
}

export function positive(value: string): number {
  const parsed = integer(value);
  if (parsed === 0) throw new InvalidArgumentError('expected a number above 0');
  return parsed;
}

/** `--header k=v`, repeatable: each occurrence adds to the map of the ones before it. */
export function header(
  value: string,
  previous: Record<string, string> = {},
): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('expected key=value');
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

/**
 * A start position as `--from` and `--to` take it: `earliest`, `latest`, `offset:N`, `lastN:N`
 * or `time:<ISO 8601 date or ms since the epoch>` (the first message appended at or after it).
 */
export type Position =
  | 'earliest'
  | 'latest'
  | { offset: number }
  | { lastN: number }
  | { time: number };

export function position(value: string): Position {
  if (value === 'earliest' || value === 'latest') return value;
  const at = value.indexOf(':');
  const kind = value.slice(0, at);
  const argument = value.slice(at + 1);
  if (at > 0 && kind === 'time') {
    // Date.parse alone takes almost anything ('-5' is a day of 2001): only ISO 8601 dates.
    const ms = /^\d+$/.test(argument)
      ? Number(argument)
      : /^\d{4}-\d{2}-\d{2}/.test(argument)
        ? Date.parse(argument)
        : Number.NaN;
    if (Number.isSafeInteger(ms) && ms >= 0) return { time: ms };
    throw new InvalidArgumentError('expected time:<ISO 8601 date> or time:<ms since the epoch>');
  }
  if (at > 0 && (kind === 'offset' || kind === 'lastN') && /^\d+$/.test(argument)) {
    const n = Number(argument);
    if (Number.isSafeInteger(n)) return kind === 'offset' ? { offset: n } : { lastN: n };
  }
  throw new InvalidArgumentError(
    'expected earliest, latest, offset:N, lastN:N or time:<ISO or ms>',
  );
}

/** Dead-letter entry ids, as `dls resend` and `dls drop` take them. */
export function ids(values: readonly string[]): number[] {
  return values.map((value) => {
    const id = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(id))
      throw new CliError(`not a dead-letter id: ${value}`);
    return id;
  });
}
