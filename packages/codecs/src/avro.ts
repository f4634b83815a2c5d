/** Avro payloads (one datum in Avro binary encoding, as the broker validates them) through avsc. */
import type { Codec } from '@ferry/client';
import avsc from 'avsc';
import { exactLongHook } from './avro-long.js';
import { asBuffer, fromAvsc, toAvsc } from './avro-values.js';
import { CodecError, messageOf } from './errors.js';
import { plain } from './plain-bytes.js';

/**
 * A codec for one Avro schema: each payload is exactly one datum in Avro binary encoding.
 *
 * Values are as avsc has them, except that `bytes` and `fixed` values are plain `Uint8Array`s
 * and records plain objects: `long` is a JavaScript number (integers past 2^53 - 1 are refused
 * rather than rounded), enums are their symbol strings, maps are objects, a union is
 * its bare value when its branches can be told apart by JavaScript type (`null` and one other,
 * say) and `{ branchName: value }` otherwise, and logical types are their underlying type
 * (`timestamp-millis` a number of milliseconds, `decimal` its bytes).
 *
 * `encode` refuses a value that does not fit the schema with a {@link CodecError}
 * `SCHEMA_VIOLATION` naming the first wrong field.
 *
 * avsc 5 is built on Node's Buffer: this works in Node and in Deno (through its Node
 * compatibility); a browser needs a bundler that provides the `buffer` module.
 *
 * @param schema An Avro schema, as an object or as its JSON text.
 * @throws {CodecError} `SCHEMA_INVALID` when avsc refuses the schema.
 *
 * @example
 * ```ts
 * const readings = avro<{ sensor: string; celsius: number }>({
 *   type: 'record',
 *   name: 'Reading',
 *   fields: [
 *     { name: 'sensor', type: 'string' },
 *     { name: 'celsius', type: 'double' },
 *   ],
 * });
 * readings.decode(readings.encode({ sensor: 's-1', celsius: 21.5 }));
 * ```
 */
export function avro<T = unknown>(schema: object | string): Codec<T> {
  const type = compile(schema);
  const name = describe(type);
  return {
    encode(value: T): Uint8Array {
      const input = toAvsc(value);
      let problem: string | undefined;
      const valid = type.isValid(input, {
        errorHook: (path, wrong, wrongType) => {
          const where = path.length > 0 ? path.join('.') : 'the value';
          problem ??= `${where} must be ${describe(wrongType)}, not ${preview(wrong)}`;
        },
      });
      if (!valid) throw new CodecError('SCHEMA_VIOLATION', `not a valid ${name}: ${problem}`);
      return plain(type.toBuffer(input));
    },
    decode(payload: Uint8Array): T {
      try {
        return fromAvsc(type.fromBuffer(asBuffer(payload))) as T;
      } catch (cause) {
        throw new CodecError('SCHEMA_VIOLATION', `payload is not a ${name}: ${messageOf(cause)}`, {
          cause,
        });
      }
    },
  };
}

function compile(schema: object | string): avsc.Type {
  try {
    return avsc.Type.forSchema(parseText(schema) as avsc.Schema, { typeHook: exactLongHook });
  } catch (cause) {
    throw new CodecError('SCHEMA_INVALID', `not a usable Avro schema: ${messageOf(cause)}`, {
      cause,
    });
  }
}

/** Schema text is JSON; a bare name such as `string` is a schema too. */
function parseText(schema: object | string): unknown {
  if (typeof schema !== 'string') return schema;
  try {
    return JSON.parse(schema);
  } catch {
    return schema;
  }
}

/** A type as a schema names it (avsc's typeName is `abstract:long` for ours, `union:...`). */
function describe(type: avsc.Type): string {
  if (type.typeName.startsWith('union')) {
    return (type as avsc.types.UnwrappedUnionType).types.map(describe).join(' or ');
  }
  return type.name ?? type.typeName.replace(/^abstract:/, '');
}

function preview(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
  const text = typeof value === 'bigint' ? `${value}n` : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
