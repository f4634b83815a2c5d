/**
 * Walks over a message's values by its type, so that the codec can translate between the shapes
 * it documents and the shapes protobufjs checks and produces.
 */
import protobufjs from 'protobufjs';
import { plain } from './plain-bytes.js';

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const UNSIGNED_LONG_TYPES = new Set(['uint64', 'fixed64']);
const SIGNED_RANGE = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const UNSIGNED_RANGE = [0n, 2n ** 64n - 1n] as const;

/**
 * A copy of `value` with enum names as numbers and 64-bit integers given as decimal strings or
 * bigints as Long-shaped objects: what `decode` returns, in the shapes `Type.verify` checks.
 * Anything it does not recognize is left as it is, for the verifier to refuse naming the field.
 */
export function toProtobufInput(type: protobufjs.Type, value: unknown): unknown {
  return mapScalars(type, value, (field, scalar) => {
    const resolved = field.resolvedType;
    if (resolved instanceof protobufjs.Enum) {
      // An unknown name stays a string, which the verifier refuses as "enum value expected".
      return typeof scalar === 'string' && scalar in resolved.values
        ? resolved.values[scalar]
        : scalar;
    }
    if (LONG_TYPES.has(field.type)) return toLong(scalar, UNSIGNED_LONG_TYPES.has(field.type));
    return scalar;
  });
}

/**
 * `toObject`'s result with its bytes fields as plain Uint8Arrays: protobufjs makes the default
 * of an absent bytes field with Node's Buffer when it is there.
 */
export function withPlainBytes(type: protobufjs.Type, value: unknown): unknown {
  return mapScalars(type, value, (field, scalar) =>
    field.type === 'bytes' && scalar instanceof Uint8Array ? plain(scalar) : scalar,
  );
}

/** Whether a value of `type` can hold a bytes field, at any depth. */
export function reachesBytes(type: protobufjs.Type, seen = new Set<protobufjs.Type>()): boolean {
  if (seen.has(type)) return false;
  seen.add(type);
  return type.fieldsArray.some((field) => {
    field.resolve();
    const resolved = field.resolvedType;
    return resolved instanceof protobufjs.Type
      ? reachesBytes(resolved, seen)
      : field.type === 'bytes';
  });
}

type ScalarMap = (field: protobufjs.Field, value: unknown) => unknown;

/** A copy of `value` with `map` applied to every non-message field value, at every depth. */
function mapScalars(type: protobufjs.Type, value: unknown, map: ScalarMap): unknown {
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = { ...value };
  for (const field of type.fieldsArray) {
    const v = out[field.name];
    if (v === undefined || v === null) continue;
    field.resolve();
    const one = (item: unknown): unknown =>
      field.resolvedType instanceof protobufjs.Type
        ? mapScalars(field.resolvedType, item, map)
        : map(field, item);
    if (field.map && isPlainObject(v)) {
      out[field.name] = Object.fromEntries(Object.entries(v).map(([k, item]) => [k, one(item)]));
    } else if (field.repeated && Array.isArray(v)) {
      out[field.name] = v.map(one);
    } else {
      out[field.name] = one(v);
    }
  }
  return out;
}

/**
 * A decimal string or a bigint in range becomes a Long-shaped `{ low, high, unsigned }`, which
 * both the verifier and the writer take; anything else stays for the verifier to refuse.
 */
function toLong(value: unknown, unsigned: boolean): unknown {
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'string' && /^-?\d+$/.test(value)) big = BigInt(value);
  else return value;
  const [min, max] = unsigned ? UNSIGNED_RANGE : SIGNED_RANGE;
  if (big < min || big > max) return value;
  const bits = BigInt.asUintN(64, big);
  return { low: Number(bits & 0xffffffffn) | 0, high: Number(bits >> 32n) | 0, unsigned };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
