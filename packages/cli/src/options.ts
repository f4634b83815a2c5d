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
 * `--from`: the start positions the protocol has today. A timestamp start needs the browse and
 * seek frames that are not there yet, so `time:` is refused rather than approximated.
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

/** Dead-letter entry ids, as `dls resend` and `dls drop` take them. */
export function ids(values: readonly string[]): number[] {
  return values.map((value) => {
    const id = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(id))
      throw new CliError(`not a dead-letter id: ${value}`);
    return id;
  });
}
