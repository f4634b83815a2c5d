/**
 * Avro `long` as a JavaScript number, exact over the whole safe-integer range. avsc's own long
 * type refuses ±(2^53 - 1) and writes negative numbers below -2^52 wrong (its zigzag step loses
 * the last bit), so longs go through its 8-byte hook instead, with bigint arithmetic.
 */
import type { Buffer as NodeBuffer } from 'node:buffer';
import { Buffer } from 'node:buffer';
import avsc from 'avsc';

const exactLong: avsc.types.LongType = avsc.types.LongType.__with({
  fromBuffer(buffer: NodeBuffer): number {
    const value = buffer.readBigInt64LE();
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new RangeError(`long ${value} is beyond what a JavaScript number holds exactly`);
    }
    return Number(value);
  },
  toBuffer(value: number): NodeBuffer {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(BigInt(value));
    return buffer;
  },
  fromJSON: (value: unknown): unknown => value,
  toJSON: (value: number): number => value,
  isValid: (value: unknown): boolean => Number.isSafeInteger(value),
  compare: (a: number, b: number): number => Math.sign(a - b),
});

/**
 * For avsc's `typeHook`: every `long`, named or written out, and the long under a logical type
 * (which avsc, given no implementation for it, reads as the underlying type anyway).
 */
export function exactLongHook(schema: avsc.Schema): avsc.Type | undefined {
  const name =
    typeof schema === 'object' && schema !== null && 'type' in schema ? schema.type : schema;
  return name === 'long' ? exactLong : undefined;
}
