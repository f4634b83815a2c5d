/**
 * Field checks shared by the generated encoders and decoders. A check takes the
 * parent path and the field name separately so that the path string is only
 * built when a check fails, never on the hot path.
 */
import { ProtocolError } from './gen/errors.js';

export const U8 = 0xff;
export const U16 = 0xffff;
export const U32 = 0xffff_ffff;
export const U53 = Number.MAX_SAFE_INTEGER;

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'number') return Number.isInteger(v) ? `${v}` : `float ${v}`;
  if (typeof v === 'string') return JSON.stringify(v.length > 32 ? `${v.slice(0, 32)}…` : v);
  if (typeof v === 'boolean') return 'a boolean';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return 'an array';
  return 'a map';
}

function fail(code: 'INVALID_FIELD' | 'LIMIT_EXCEEDED', field: string, detail: string): never {
  throw new ProtocolError(code, `${field}: ${detail}`, { field });
}

export function join(parent: string, name: string): string {
  if (name === '') return parent;
  return parent === '' ? name : `${parent}.${name}`;
}

export function unknownTag(v: unknown, parent: string): never {
  fail('INVALID_FIELD', parent, `unknown variant tag ${describe(v)}`);
}

export function unknownKind(v: unknown, parent: string): never {
  fail('INVALID_FIELD', parent, `unknown kind ${String(v)}`);
}

/** ENC-5: nil and absent mean the same. */
export function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** ENC-7: trailing absent optionals are dropped, so the encoding is canonical. */
export function trim(a: unknown[]): unknown[] {
  while (a.length > 0 && a[a.length - 1] === undefined) a.pop();
  return a;
}

export function uint(v: unknown, max: number, parent: string, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    fail(
      'INVALID_FIELD',
      join(parent, name),
      `expected an integer in [0, ${max}], got ${describe(v)}`,
    );
  }
  return v;
}

export function bool(v: unknown, parent: string, name: string): boolean {
  if (typeof v !== 'boolean')
    fail('INVALID_FIELD', join(parent, name), `expected a boolean, got ${describe(v)}`);
  return v;
}

/** UTF-8 length of a string; JS strings count UTF-16 units, limits count bytes. */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

export function str(v: unknown, maxBytes: number, parent: string, name: string): string {
  if (typeof v !== 'string')
    fail('INVALID_FIELD', join(parent, name), `expected a string, got ${describe(v)}`);
  // A UTF-16 unit takes at most 3 UTF-8 bytes, so short strings skip the exact count.
  if (v.length * 3 > maxBytes) {
    const bytes = utf8Length(v);
    if (bytes > maxBytes)
      fail('LIMIT_EXCEEDED', join(parent, name), `${bytes} bytes is over the limit of ${maxBytes}`);
  }
  return v;
}

export function bytes(v: unknown, maxBytes: number, parent: string, name: string): Uint8Array {
  if (!(v instanceof Uint8Array))
    fail('INVALID_FIELD', join(parent, name), `expected bytes, got ${describe(v)}`);
  if (v.byteLength > maxBytes) {
    fail(
      'LIMIT_EXCEEDED',
      join(parent, name),
      `${v.byteLength} bytes is over the limit of ${maxBytes}`,
    );
  }
  return v;
}

export function oneOf<T extends string>(
  v: unknown,
  values: readonly T[],
  parent: string,
  name: string,
): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    fail(
      'INVALID_FIELD',
      join(parent, name),
      `expected one of ${values.join(', ')}, got ${describe(v)}`,
    );
  }
  return v as T;
}

export function array(v: unknown, parent: string, name: string): unknown[] {
  if (!Array.isArray(v))
    fail('INVALID_FIELD', join(parent, name), `expected an array, got ${describe(v)}`);
  return v;
}

/** A plain map; decoded MessagePack maps are plain objects, anything else (Date, ExtData) is not. */
export function record(v: unknown, parent: string, name: string): Record<string, unknown> {
  if (
    typeof v !== 'object' ||
    v === null ||
    Array.isArray(v) ||
    Object.getPrototypeOf(v) !== Object.prototype
  ) {
    fail('INVALID_FIELD', join(parent, name), `expected a map, got ${describe(v)}`);
  }
  return v as Record<string, unknown>;
}

/**
 * Checks every element of a list with `check`, which reports errors under
 * `parent.name[]`; the failing element's index is filled in only on failure.
 */
export function items<T>(
  v: unknown,
  maxItems: number,
  parent: string,
  name: string,
  check: (item: unknown, path: string) => T,
): T[] {
  const list = array(v, parent, name);
  if (list.length > maxItems) {
    fail(
      'LIMIT_EXCEEDED',
      join(parent, name),
      `${list.length} items is over the limit of ${maxItems}`,
    );
  }
  const path = join(parent, name);
  const itemPath = `${path}[]`;
  const out = new Array<T>(list.length);
  let i = 0;
  try {
    for (; i < list.length; i++) out[i] = check(list[i], itemPath);
  } catch (e) {
    if (e instanceof ProtocolError && e.field?.startsWith(itemPath)) {
      const field = `${path}[${i}]${e.field.slice(itemPath.length)}`;
      throw new ProtocolError(e.code, field + e.message.slice(e.field.length), { field });
    }
    throw e;
  }
  return out;
}

export function stringMap(
  v: unknown,
  maxEntries: number,
  maxKeyBytes: number,
  maxValueBytes: number,
  parent: string,
  name: string,
): Record<string, string> {
  const map = record(v, parent, name);
  const path = join(parent, name);
  let entries = 0;
  for (const key in map) {
    if (++entries > maxEntries) fail('LIMIT_EXCEEDED', path, `more than ${maxEntries} entries`);
    // MessagePack decoders refuse this key (prototype pollution), so refuse it before it is sent.
    if (key === '__proto__') fail('INVALID_FIELD', path, 'the name __proto__ is reserved');
    str(key, maxKeyBytes, path, '<key>');
    str(map[key], maxValueBytes, path, key);
  }
  return map as Record<string, string>;
}
