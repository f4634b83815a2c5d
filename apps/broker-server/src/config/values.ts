/**
 * How setting values are read: from text (a flag or a FERRY_* variable) and
 * from JSON (the config file). Each reader throws a ValueError saying what
 * was expected; the loader adds which key and which source.
 */
import { DEFAULT_LIMITS, type Limits } from '@ferry/protocol';
import { largestItemBytes } from '../broker/frame-budget.js';

export class ValueError extends Error {
  /** `at` locates the problem inside the value, e.g. `[1].username`. */
  constructor(
    message: string,
    readonly at = '',
  ) {
    super(message);
    this.name = 'ValueError';
  }
}

export interface JsonValue<T> {
  fromJson(value: unknown): T;
}

export interface TextValue<T> extends JsonValue<T> {
  fromText(text: string): T;
}

/** Node timers overflow (and fire at once) above this many milliseconds. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): TextValue<number> {
  const expected = `expected an integer from ${min} to ${max}`;
  const check = (value: number, shown: string): number => {
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new ValueError(`${expected}, got ${shown}`);
    }
    return value;
  };
  return {
    fromText: (text) => check(/^-?\d+$/.test(text) ? Number(text) : Number.NaN, quote(text)),
    fromJson: (value) => check(typeof value === 'number' ? value : Number.NaN, show(value)),
  };
}

/** The word `auto` (the broker decides at start), or a value `inner` reads. */
export function autoOr<T>(inner: TextValue<T>): TextValue<T | 'auto'> {
  const read = <V>(value: V, from: (value: V) => T): T | 'auto' => {
    if (value === 'auto') return 'auto';
    try {
      return from(value);
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      throw new ValueError(e.message.replace(/^expected /, 'expected auto or '), e.at);
    }
  };
  return {
    fromText: (text) => read(text, (t) => inner.fromText(t)),
    fromJson: (value) => read(value, (v) => inner.fromJson(v)),
  };
}

export const port = integer(0, 65535);
export const positive = integer(1);
/** A duration in milliseconds that a Node timer can hold. */
export const durationMs = (min: number): TextValue<number> => integer(min, MAX_TIMER_MS);

export const boolean: TextValue<boolean> = {
  fromText(text) {
    if (text === 'true' || text === 'false') return text === 'true';
    throw new ValueError(`expected true or false, got ${quote(text)}`);
  },
  fromJson(value) {
    if (typeof value === 'boolean') return value;
    throw new ValueError(`expected true or false, got ${show(value)}`);
  },
};

export function oneOf<const V extends string>(values: readonly V[]): TextValue<V> {
  const read = (value: unknown): V => {
    const found = values.find((v) => v === value);
    if (found === undefined) {
      throw new ValueError(`expected one of ${values.join(', ')}, got ${show(value)}`);
    }
    return found;
  };
  return { fromText: read, fromJson: read };
}

export const nonEmptyString: TextValue<string> = {
  fromText: (text) => nonEmpty(text),
  fromJson: (value) => nonEmpty(value),
};

/** NATS server URLs, comma-separated in text: nats://, tls:// or a bare host:port. */
export const natsUrls: TextValue<string[]> = {
  fromText: (text) => urlList(text.split(',').map((u) => u.trim())),
  fromJson(value) {
    if (!Array.isArray(value))
      throw new ValueError(`expected an array of NATS URLs, got ${show(value)}`);
    return urlList(value);
  },
};

function urlList(values: unknown[]): string[] {
  if (values.length === 0) throw new ValueError('expected at least one NATS URL');
  return values.map((v, i) =>
    withIndex(i, () => {
      const url = nonEmpty(v);
      if (!/^((nats|tls|ws|wss):\/\/)?[^\s,/]+$/.test(url))
        throw new ValueError(`expected a NATS URL like nats://host:4222, got ${show(v)}`);
      return url;
    }),
  );
}

/**
 * Browser origins (`https://app.example.com`): a path or trailing slash would never match an
 * Origin header. `*` stands for any origin. [SEC-2]
 */
export const origins: TextValue<string[]> = {
  fromText: (text) => (text.trim() === '' ? [] : text.split(',').map((o) => origin(o.trim()))),
  fromJson(value) {
    if (!Array.isArray(value))
      throw new ValueError(`expected an array of origins, got ${show(value)}`);
    return value.map((o, i) => withIndex(i, () => origin(o)));
  },
};

/**
 * Overrides of some protocol limits; the rest keep the spec's defaults. Refused unless the
 * largest single message (or list item) still fits in one frame. [LIMITS-1]
 */
export const limits: JsonValue<Limits> = {
  fromJson(value) {
    const known = Object.keys(DEFAULT_LIMITS) as (keyof Limits)[];
    const fields = objectWithKeys(value, known);
    const result: Limits = { ...DEFAULT_LIMITS };
    for (const key of known) {
      if (fields[key] === undefined) continue;
      const reader = key.endsWith('Ms') ? durationMs(1) : positive;
      result[key] = at(`.${key}`, () => reader.fromJson(fields[key]));
    }
    const largest = largestItemBytes(result);
    if (largest > result.maxFrameBytes)
      throw new ValueError(
        `maxFrameBytes ${result.maxFrameBytes} cannot hold one message of maxMessageBytes with maxHeaders headers of maxHeaderBytes, a key and a msgId (or one station's info): at least ${largest} is needed`,
        '.maxFrameBytes',
      );
    return result;
  },
};

export function nonEmpty(value: unknown, path = ''): string {
  if (typeof value === 'string' && value !== '') return value;
  throw new ValueError(`expected a non-empty string, got ${show(value)}`, path);
}

function origin(value: unknown): string {
  const text = nonEmpty(value);
  if (text === '*') return text;
  if (URL.canParse(text) && new URL(text).origin === text) return text;
  throw new ValueError(`expected an origin like https://example.com, got ${quote(text)}`);
}

/** A plain JSON object whose keys are all in `allowed`. */
export function objectWithKeys<K extends string>(
  value: unknown,
  allowed: readonly K[],
): Partial<Record<K, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValueError(`expected an object, got ${show(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.some((k) => k === key)) throw new ValueError('unknown key', `.${key}`);
  }
  return value as Partial<Record<K, unknown>>;
}

export function withIndex<T>(index: number, read: () => T): T {
  return at(`[${index}]`, read);
}

/** Prefixes the location of a ValueError thrown by `read`. */
export function at<T>(prefix: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ValueError) throw new ValueError(error.message, prefix + error.at);
    throw error;
  }
}

export function quote(text: string): string {
  return JSON.stringify(text);
}

export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  return Array.isArray(value)
    ? 'an array'
    : typeof value === 'object' && value !== null
      ? 'an object'
      : JSON.stringify(value);
}
