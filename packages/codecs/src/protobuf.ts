/** Protobuf payloads through protobufjs, from a parsed Root or `.proto` text. */
import type { Codec } from '@ferry/client';
import protobufjs from 'protobufjs';
import { CodecError, messageOf } from './errors.js';
import { plain } from './plain-bytes.js';
import { reachesBytes, toProtobufInput, withPlainBytes } from './protobuf-fields.js';

/**
 * How decoded messages are shaped: 64-bit integers as decimal strings (exact, and JSON-safe,
 * which numbers past 2^53 and bigints are not), enums by name (an unknown number stays a
 * number), bytes as `Uint8Array`, and every field present with its default, as generated code
 * has it (an unset message field is `null`; unset oneof members are left out).
 */
const TO_OBJECT: protobufjs.IConversionOptions = {
  longs: String,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
};

/**
 * A codec for one protobuf message type.
 *
 * `encode` takes what `decode` returns, and also enum numbers, 64-bit integers as numbers,
 * bigints or Longs, and nested messages as plain objects; it refuses a value that does not fit
 * the type (`Type.verify`) with a {@link CodecError} `SCHEMA_VIOLATION` naming the field.
 * Properties the type does not declare are ignored. Field names are camelCase, protobufjs's
 * default when it parses `.proto` text.
 *
 * @param root A protobufjs `Root`, or `.proto` text to parse (imports are not followed).
 * @param type The message type's full name, such as `'shop.Order'`.
 * @throws {CodecError} `SCHEMA_INVALID` when the text does not parse, a reference does not
 *   resolve or the type is not declared.
 *
 * @example
 * ```ts
 * const orders = protobuf<Order>(
 *   'syntax = "proto3"; package shop; message Order { string id = 1; int64 cents = 2; }',
 *   'shop.Order',
 * );
 * const payload = orders.encode({ id: 'o-1', cents: '1250' });
 * orders.decode(payload); // { id: 'o-1', cents: '1250' }
 * ```
 */
export function protobuf<T = Record<string, unknown>>(
  root: protobufjs.Root | string,
  type: string,
): Codec<T> {
  const messageType = lookup(root, type);
  const hasBytes = reachesBytes(messageType);
  return {
    encode(value: T): Uint8Array {
      const input = toProtobufInput(messageType, value);
      const problem = messageType.verify(input as Record<string, unknown>);
      if (problem !== null) {
        throw new CodecError('SCHEMA_VIOLATION', `not a valid ${type}: ${problem}`);
      }
      return plain(messageType.encode(input as Record<string, unknown>).finish());
    },
    decode(payload: Uint8Array): T {
      let message: protobufjs.Message;
      try {
        // A plain Uint8Array makes protobufjs read bytes fields as Uint8Array, never Buffer.
        message = messageType.decode(plain(payload));
      } catch (cause) {
        throw new CodecError('SCHEMA_VIOLATION', `payload is not a ${type}: ${messageOf(cause)}`, {
          cause,
        });
      }
      const object = messageType.toObject(message, TO_OBJECT);
      return (hasBytes ? withPlainBytes(messageType, object) : object) as T;
    },
  };
}

function lookup(root: protobufjs.Root | string, type: string): protobufjs.Type {
  try {
    const parsed = typeof root === 'string' ? protobufjs.parse(root).root : root;
    // Resolving everything up front reports a missing type now, not at the first message.
    parsed.resolveAll();
    return parsed.lookupType(type);
  } catch (cause) {
    throw new CodecError(
      'SCHEMA_INVALID',
      `cannot build a codec for ${type}: ${messageOf(cause)}`,
      {
        cause,
      },
    );
  }
}
