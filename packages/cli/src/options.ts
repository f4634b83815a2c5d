/** Parsers for option values; a bad value is a usage error (exit 1) before anything is sent. */

import type { Start } from '@ferry/node';
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
 * `--from` of a group: the start positions a group has. A group cannot start at a time (that
 * needs a seek frame the protocol lacks), so `time:` is refused here; browsing takes it
 * ({@link position}).
 */
export function start(value: string): Start {
  if (value === 'earliest' || value === 'latest') return value;
  const [kind, argument] = value.split(':', 2);
  if ((kind === 'offset' || kind === 'lastN') && argument !== undefined && /^\d+$/.test(argument)) {
    const n = Number(argument);
    if (Number.isSafeInteger(n)) return kind === 'offset' ? { offset: n } : { lastN: n };
  }
  throw new InvalidArgumentError('expected earliest, latest, offset:N or lastN:N');
}

/** Where `sub` starts: a group's {@link start}, or (browsing only) `time:<ISO 8601 or ms>`. */
export type Position = Start | { time: number };

export function position(value: string): Position {
  if (value.startsWith('time:')) {
    const argument = value.slice('time:'.length);
    // Date.parse alone takes almost anything ('-5' is a day of 2001): only ISO 8601 dates.
    const ms = /^\d+$/.test(argument)
      ? Number(argument)
      : /^\d{4}-\d{2}-\d{2}/.test(argument)
        ? Date.parse(argument)
        : Number.NaN;
    if (Number.isSafeInteger(ms) && ms >= 0) return { time: ms };
    throw new InvalidArgumentError('expected time:<ISO 8601 date> or time:<ms since the epoch>');
  }
  try {
    return start(value);
  } catch {
    throw new InvalidArgumentError(
      'expected earliest, latest, offset:N, lastN:N or (with --no-ack) time:<ISO or ms>',
    );
  }
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
