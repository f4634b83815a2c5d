import avro from 'avsc';

/** The part of avsc's internal reading cursor the bounded readers use. */
interface Tap {
  buf: Uint8Array;
  pos: number;
  readLong(): number;
  skipLong(): void;
  readString(): string;
}

interface Reads {
  _read(tap: Tap): unknown;
}

/**
 * avsc's array and map readers loop over the item count a block declares, even past the end of
 * the payload, so six hostile bytes could keep the broker busy for minutes. These readers refuse
 * a count larger than the bytes left: each item takes at least one byte (a map entry has its key;
 * arrays whose items take none are refused at compile, see zeroSizeArrayItems).
 */
class BoundedArrayType extends avro.types.ArrayType {
  _read(tap: Tap): unknown[] {
    const items = this.itemsType as unknown as Reads;
    const values: unknown[] = [];
    for (let count = blockCount(tap); count > 0; count = blockCount(tap)) {
      for (; count > 0; count--) values.push(items._read(tap));
    }
    return values;
  }
}

class BoundedMapType extends avro.types.MapType {
  _read(tap: Tap): Record<string, unknown> {
    const values = this.valuesType as Reads;
    const entries: Record<string, unknown> = {};
    for (let count = blockCount(tap); count > 0; count = blockCount(tap)) {
      for (; count > 0; count--) {
        const key = tap.readString();
        entries[key] = values._read(tap);
      }
    }
    return entries;
  }
}

function blockCount(tap: Tap): number {
  let count = tap.readLong();
  if (count < 0) {
    // A negative count is followed by the block's size in bytes.
    count = -count;
    tap.skipLong();
  }
  const left = tap.buf.length - tap.pos;
  if (count > left)
    throw new Error(`a block of ${count} items is longer than the ${left} bytes left`);
  return count;
}

/**
 * avsc refuses a long beyond 2^53, which it cannot hold in a number, though Avro allows any 64-bit
 * value; this long reads it as a bigint instead.
 */
const exactLong = avro.types.LongType.__with({
  fromBuffer: (bytes: Buffer) => bytes.readBigInt64LE(),
  toBuffer: (value: bigint) => {
    const bytes = Buffer.alloc(8);
    bytes.writeBigInt64LE(value);
    return bytes;
  },
  fromJSON: (value: number | string) => BigInt(value),
  toJSON: (value: bigint) => Number(value),
  isValid: (value: unknown) => typeof value === 'bigint',
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

/** The `typeHook` of `Type.forSchema`: bounded arrays and maps, and longs of 64 bits. */
export function boundedTypeHook(schema: avro.Schema, opts: unknown): avro.Type | undefined {
  if (schema === 'long') return exactLong;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  const kind = (schema as { type?: unknown }).type;
  if (kind === 'long') return exactLong;
  if (kind === 'array') return new BoundedArrayType(schema, opts);
  if (kind === 'map') return new BoundedMapType(schema, opts);
  return undefined;
}

interface TypeShape {
  typeName: string;
  size?: number;
  fields?: Array<{ type: avro.Type }>;
  itemsType?: avro.Type;
  valuesType?: avro.Type;
  types?: avro.Type[];
  underlyingType?: avro.Type;
}

/** The name of the first array type whose items take no bytes (null, an empty record, ...), if any. */
export function zeroSizeArrayItems(root: avro.Type): string | undefined {
  const seen = new Set<avro.Type>([root]);
  const pending = [root];
  for (let type = pending.pop(); type !== undefined; type = pending.pop()) {
    const shape = type as unknown as TypeShape;
    if (shape.itemsType !== undefined && takesNoBytes(shape.itemsType, new Set())) {
      return (shape.itemsType as unknown as TypeShape).typeName;
    }
    for (const child of childrenOf(shape)) {
      if (!seen.has(child)) {
        seen.add(child);
        pending.push(child);
      }
    }
  }
  return undefined;
}

function takesNoBytes(type: avro.Type, visiting: Set<avro.Type>): boolean {
  const shape = type as unknown as TypeShape;
  if (shape.underlyingType !== undefined) return takesNoBytes(shape.underlyingType, visiting);
  if (shape.typeName === 'null') return true;
  if (shape.typeName === 'fixed') return shape.size === 0;
  if (shape.typeName !== 'record' && shape.typeName !== 'error') return false;
  // A record that contains itself cannot be finite without a union, which takes a byte.
  if (visiting.has(type)) return false;
  visiting.add(type);
  return (shape.fields ?? []).every((field) => takesNoBytes(field.type, visiting));
}

function childrenOf(shape: TypeShape): avro.Type[] {
  const children = [...(shape.fields ?? []).map((field) => field.type), ...(shape.types ?? [])];
  for (const child of [shape.itemsType, shape.valuesType, shape.underlyingType]) {
    if (child !== undefined) children.push(child);
  }
  return children;
}
