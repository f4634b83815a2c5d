/**
 * Golden vectors: every spec example as exact bytes, and invalid frames with
 * the error code a decoder must reject them with.
 */
import { encode } from '@msgpack/msgpack';
import { HEADER, lookup } from './model.js';
import { type Field, type FrameSpec, SCALARS, type Spec } from './spec.js';
import { frameWire, fromJson, hex, type Json, toJson, unhex } from './wire.js';

export interface ValidVector {
  name: string;
  frame: string;
  hex: string;
  value: Json;
}

export interface InvalidVector {
  name: string;
  hex: string;
  expect: string;
}

export interface Vectors {
  '@generated': string;
  version: number;
  conventions: string;
  limits: Record<string, number>;
  valid: ValidVector[];
  invalid: InvalidVector[];
}

export function validVectors(spec: Spec): ValidVector[] {
  return spec.frames.flatMap((f) =>
    f.examples.map((example, i) => {
      const value = fromJson(example, spec) as Record<string, unknown>;
      return {
        name: f.examples.length > 1 ? `${f.name} #${i + 1}` : f.name,
        frame: f.name,
        hex: hex(encode(frameWire(spec, value))),
        value: toJson(value),
      };
    }),
  );
}

/** A value of a different MessagePack type than the field wants. */
function wrongTypeFor(spec: Spec, f: Field): unknown {
  if (f.type === 'string' || f.type in spec.enums) return 7;
  if (f.type === 'bytes' || f.type === 'bool' || f.type === 'array') return 'x';
  if (SCALARS.has(f.type)) return 'x';
  const t = lookup(spec, f.type);
  return t !== undefined && 'encoding' in t && t.encoding === 'map' ? [] : 'x';
}

/** Per frame: each required field missing or of the wrong type. */
function derivedInvalid(spec: Spec, f: FrameSpec): InvalidVector[] {
  const wire = frameWire(spec, fromJson(f.examples[0], spec) as Record<string, unknown>);
  const out: InvalidVector[] = [];
  f.fields.forEach((field, i) => {
    if (field.optional) return;
    out.push({
      name: `${f.name}: ${field.name} missing`,
      hex: hex(encode(wire.slice(0, i + 1))),
      expect: 'INVALID_FIELD',
    });
    const wrong = [...wire];
    wrong[i + 1] = wrongTypeFor(spec, field);
    out.push({
      name: `${f.name}: ${field.name} of the wrong type`,
      hex: hex(encode(wrong)),
      expect: 'INVALID_FIELD',
    });
  });
  return out;
}

export function buildVectors(spec: Spec): Vectors {
  const listed = spec.invalid.map((v) => ({
    name: v.name,
    hex: v.hex ?? hex(encode(fromJson(v.wire, spec))),
    expect: v.expect,
  }));
  return {
    '@generated': HEADER,
    version: spec.version,
    conventions:
      'hex is a frame body without its length prefix. In value, {"$bytes": hex} is a byte string; every other JSON value is itself. A valid vector decodes to value and value encodes to exactly hex; an invalid vector is rejected with a ProtocolError whose code is expect, under the default limits.',
    limits: Object.fromEntries(Object.entries(spec.limits).map(([k, l]) => [k, l.default])),
    valid: validVectors(spec),
    invalid: [...listed, ...spec.frames.flatMap((f) => derivedInvalid(spec, f))],
  };
}

export { unhex };
