/**
 * avsc reads and writes `bytes` and `fixed` values as Node Buffers, and records as instances of
 * classes it generates. These walks keep that inside the adapter: callers give and get plain
 * objects and plain Uint8Arrays.
 */
import { Buffer } from 'node:buffer';
import { plain } from './plain-bytes.js';

/** `value` with every Uint8Array as a Buffer over the same memory, as avsc checks for. */
export function toAvsc(value: unknown): unknown {
  if (value instanceof Uint8Array) return asBuffer(value);
  if (Array.isArray(value)) return value.map(toAvsc);
  if (isPlainObject(value)) return mapValues(value, toAvsc);
  return value;
}

/** The same bytes as a Buffer, without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** What avsc decoded, with Buffers as plain Uint8Arrays and records as plain objects. */
export function fromAvsc(value: unknown): unknown {
  if (value instanceof Uint8Array) return plain(value);
  if (Array.isArray(value)) return value.map(fromAvsc);
  if (typeof value === 'object' && value !== null) {
    return mapValues(value as Record<string, unknown>, fromAvsc);
  }
  return value;
}

function mapValues(
  object: Record<string, unknown>,
  map: (value: unknown) => unknown,
): Record<string, unknown> {
  // fromEntries defines each key, so a map key `__proto__` stays a key, not a prototype.
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, map(value)]));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
