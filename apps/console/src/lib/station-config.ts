/**
 * The station form's values, as typed, and the StationConfig they make: on create only the
 * fields filled in (the broker's defaults otherwise), on update only the fields changed. Pure,
 * so unit-tested.
 */
import type { StationConfig } from '@ferry/browser';
import type { Retention } from './station-summary.js';

export const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export type DurationUnit = keyof typeof DURATION_UNITS;
export const BYTE_UNITS = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
export type ByteUnit = keyof typeof BYTE_UNITS;

/** A number as typed, with its unit. */
export interface Amount<U extends string> {
  value: string;
  unit: U;
}

export interface StationForm {
  partitions: string;
  storage: '' | 'file' | 'memory';
  durability: '' | 'always' | 'interval' | 'never' | 'replicated';
  flushInterval: Amount<DurationUnit>;
  maxAge: Amount<DurationUnit>;
  maxMessages: string;
  maxBytes: Amount<ByteUnit>;
  ackBased: boolean;
  dedupWindow: Amount<DurationUnit>;
  ackTimeout: Amount<DurationUnit>;
  maxDeliveries: string;
  /** '' leaves the broker's default (kept). */
  deadLetter: '' | 'on' | 'off';
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export function emptyStationForm(): StationForm {
  return {
    partitions: '',
    storage: '',
    durability: '',
    flushInterval: { value: '', unit: 'ms' },
    maxAge: { value: '', unit: 'd' },
    maxMessages: '',
    maxBytes: { value: '', unit: 'GiB' },
    ackBased: false,
    dedupWindow: { value: '', unit: 'm' },
    ackTimeout: { value: '', unit: 's' },
    maxDeliveries: '',
    deadLetter: '',
  };
}

/** The largest unit that writes `amount` as a whole number, so 604800000 ms shows as 7 d. */
function amountOf<U extends string>(
  amount: number | undefined,
  units: Record<U, number>,
  fallback: U,
): Amount<U> {
  if (amount === undefined) return { value: '', unit: fallback };
  const fitting = (Object.entries(units) as Array<[U, number]>)
    .filter(([, size]) => amount % size === 0)
    .sort(([, a], [, b]) => b - a)[0];
  const [unit, size] = fitting ?? [fallback, units[fallback]];
  return { value: String(amount / size), unit };
}

/** The form of an existing station, for editing it. */
export function formOfConfig(config: StationConfig): StationForm {
  const retention: Retention = config.retention ?? {};
  return {
    partitions: config.partitions === undefined ? '' : String(config.partitions),
    storage: config.storage ?? '',
    durability:
      config.durability === undefined || config.durability === 'memory' ? '' : config.durability,
    flushInterval: amountOf(config.flushIntervalMs, DURATION_UNITS, 'ms'),
    maxAge: amountOf(retention.maxAgeMs, DURATION_UNITS, 'd'),
    maxMessages: retention.maxMessages === undefined ? '' : String(retention.maxMessages),
    maxBytes: amountOf(retention.maxBytes, BYTE_UNITS, 'GiB'),
    ackBased: retention.ackBased === true,
    dedupWindow: amountOf(config.dedupWindowMs, DURATION_UNITS, 'm'),
    ackTimeout: amountOf(config.ackTimeoutMs, DURATION_UNITS, 's'),
    maxDeliveries: config.maxDeliveries === undefined ? '' : String(config.maxDeliveries),
    deadLetter: config.deadLetter?.enabled === false ? 'off' : 'on',
  };
}

/** A whole number typed in a field: undefined when left empty. */
export function wholeNumber(text: string, label: string, min = 0): Parsed<number | undefined> {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: undefined };
  const n = Number(trimmed);
  if (!Number.isSafeInteger(n) || n < min)
    return { ok: false, error: `${label} must be a whole number of at least ${min}` };
  return { ok: true, value: n };
}

function scaled<U extends string>(
  amount: Amount<U>,
  units: Record<U, number>,
  label: string,
  min: number,
): Parsed<number | undefined> {
  const trimmed = amount.value.trim();
  if (trimmed === '') return { ok: true, value: undefined };
  const n = Number(trimmed) * units[amount.unit];
  if (!Number.isFinite(n) || !Number.isSafeInteger(Math.round(n)) || n < min)
    return { ok: false, error: `${label} must be a number of at least ${min}` };
  return { ok: true, value: Math.round(n) };
}

/** Every number of the form, parsed; the first error stops it. */
function numbersOf(form: StationForm): Parsed<Record<NumberField, number | undefined>> {
  const fields: Array<[NumberField, Parsed<number | undefined>]> = [
    ['partitions', wholeNumber(form.partitions, 'Partitions', 1)],
    ['flushIntervalMs', scaled(form.flushInterval, DURATION_UNITS, 'Flush interval', 1)],
    ['maxAgeMs', scaled(form.maxAge, DURATION_UNITS, 'Max age', 1)],
    ['maxMessages', wholeNumber(form.maxMessages, 'Max messages', 1)],
    ['maxBytes', scaled(form.maxBytes, BYTE_UNITS, 'Max bytes', 1)],
    ['dedupWindowMs', scaled(form.dedupWindow, DURATION_UNITS, 'Dedup window', 0)],
    ['ackTimeoutMs', scaled(form.ackTimeout, DURATION_UNITS, 'Ack timeout', 1)],
    ['maxDeliveries', wholeNumber(form.maxDeliveries, 'Max deliveries', 1)],
  ];
  const values = {} as Record<NumberField, number | undefined>;
  for (const [key, parsed] of fields) {
    if (!parsed.ok) return parsed;
    values[key] = parsed.value;
  }
  return { ok: true, value: values };
}

type NumberField =
  | 'partitions'
  | 'flushIntervalMs'
  | 'maxAgeMs'
  | 'maxMessages'
  | 'maxBytes'
  | 'dedupWindowMs'
  | 'ackTimeoutMs'
  | 'maxDeliveries';

/** Drops the entries left undefined, so that the request carries only what the form sets. */
function defined<T extends object>(entries: T): T {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as T;
}

/** The config of a new station: only what the form sets. */
export function createConfigOf(form: StationForm): Parsed<StationConfig> {
  const numbers = numbersOf(form);
  if (!numbers.ok) return numbers;
  const n = numbers.value;
  const retention = defined<Retention>({
    maxAgeMs: n.maxAgeMs,
    maxMessages: n.maxMessages,
    maxBytes: n.maxBytes,
    ackBased: form.ackBased ? true : undefined,
  });
  const config = defined<StationConfig>({
    partitions: n.partitions,
    storage: form.storage === '' ? undefined : form.storage,
    durability: form.durability === '' ? undefined : form.durability,
    flushIntervalMs: form.durability === 'interval' ? n.flushIntervalMs : undefined,
    dedupWindowMs: n.dedupWindowMs,
    ackTimeoutMs: n.ackTimeoutMs,
    maxDeliveries: n.maxDeliveries,
    retention: Object.keys(retention).length === 0 ? undefined : retention,
    deadLetter: form.deadLetter === '' ? undefined : { enabled: form.deadLetter === 'on' },
  });
  return { ok: true, value: config };
}

/**
 * The update of an existing station: the settings that may change (retention, group defaults,
 * the dead-letter store) and differ from `current`. The broker merges retention key by key, so a
 * limit once set can be changed but not removed: clearing its field is refused here.
 */
export function updateConfigOf(form: StationForm, current: StationConfig): Parsed<StationConfig> {
  const numbers = numbersOf(form);
  if (!numbers.ok) return numbers;
  const n = numbers.value;
  const was: Retention = current.retention ?? {};
  const cleared = (
    [
      ['Max age', n.maxAgeMs, was.maxAgeMs],
      ['Max messages', n.maxMessages, was.maxMessages],
      ['Max bytes', n.maxBytes, was.maxBytes],
    ] as const
  ).find(([, now, before]) => now === undefined && before !== undefined);
  if (cleared !== undefined)
    return {
      ok: false,
      error: `${cleared[0]} cannot be removed once set; enter a larger limit instead`,
    };
  const changed = (now: number | undefined, before: number | undefined) =>
    now !== undefined && now !== before ? now : undefined;
  const retention = defined<Retention>({
    maxAgeMs: changed(n.maxAgeMs, was.maxAgeMs),
    maxMessages: changed(n.maxMessages, was.maxMessages),
    maxBytes: changed(n.maxBytes, was.maxBytes),
    ackBased: form.ackBased !== (was.ackBased === true) ? form.ackBased : undefined,
  });
  const enabled = form.deadLetter !== 'off';
  const config = defined<StationConfig>({
    ackTimeoutMs: changed(n.ackTimeoutMs, current.ackTimeoutMs),
    maxDeliveries: changed(n.maxDeliveries, current.maxDeliveries),
    retention: Object.keys(retention).length === 0 ? undefined : retention,
    deadLetter: enabled !== (current.deadLetter?.enabled !== false) ? { enabled } : undefined,
  });
  return { ok: true, value: config };
}
