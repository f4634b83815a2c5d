/**
 * Where a group starts or is moved to, from a form: earliest, latest, an offset, the last N or
 * a local date and time (a datetime-local input). Pure, so unit-tested.
 */
import type { Start } from '@ferry/browser';

export type StartKind = 'earliest' | 'latest' | 'offset' | 'lastN' | 'time';

export interface StartForm {
  kind: StartKind;
  /** The offset or N, as typed. */
  number: string;
  /** A datetime-local value, e.g. "2026-11-29T08:00" or with seconds. */
  time: string;
}

export type ParsedStart = { ok: true; start: Start } | { ok: false; error: string };

/** A datetime-local value as ms since the epoch, in the browser's time zone. */
export function parseLocalTime(value: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(
    value.trim(),
  );
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s = '0', ms = '0'] = match;
  const date = new Date(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    Number(ms.padEnd(3, '0')),
  );
  return Number.isNaN(date.getTime()) ? undefined : date.getTime();
}

/** An instant as a datetime-local value (to the second), in the browser's time zone. */
export function localTimeValue(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function startOf(form: StartForm): ParsedStart {
  switch (form.kind) {
    case 'earliest':
    case 'latest':
      return { ok: true, start: form.kind };
    case 'offset':
    case 'lastN': {
      const n = Number(form.number.trim());
      if (form.number.trim() === '' || !Number.isSafeInteger(n) || n < 0)
        return {
          ok: false,
          error: `${form.kind === 'offset' ? 'The offset' : 'N'} must be a whole number of at least 0`,
        };
      return { ok: true, start: form.kind === 'offset' ? { offset: n } : { lastN: n } };
    }
    case 'time': {
      const time = parseLocalTime(form.time);
      if (time === undefined || time < 0) return { ok: false, error: 'Pick a date and time' };
      return { ok: true, start: { time } };
    }
  }
}
