/**
 * fast-check arbitraries for every frame, built from the spec itself, so a
 * frame added to the spec is covered by the round-trip properties at once.
 */
import fc from 'fast-check';
import type { Frame } from '../src/index.js';
import { lookup } from '../tools/model.js';
import { type Field, isStringMap, isUnion, type Spec } from '../tools/spec.js';

const text = fc.string({ unit: 'binary', maxLength: 12 });

function scalar(type: string): fc.Arbitrary<unknown> | undefined {
  switch (type) {
    case 'bool':
      return fc.boolean();
    case 'u8':
      return fc.integer({ min: 0, max: 0xff });
    case 'u16':
      return fc.integer({ min: 0, max: 0xffff });
    case 'u32':
      return fc.integer({ min: 0, max: 0xffff_ffff });
    case 'u53':
      return fc.maxSafeNat();
    case 'string':
      return text;
    case 'bytes':
      return fc.uint8Array({ maxLength: 64 });
    default:
      return undefined;
  }
}

function value(
  spec: Spec,
  type: string,
  items: string | undefined,
  depth: number,
): fc.Arbitrary<unknown> {
  if (type === 'array')
    return fc.array(value(spec, items ?? '', undefined, depth + 1), {
      maxLength: depth > 1 ? 2 : 4,
    });
  const s = scalar(type);
  if (s !== undefined) return s;
  const e = spec.enums[type];
  if (e !== undefined) return fc.constantFrom(...Object.keys(e.values));
  const t = lookup(spec, type);
  if (t === undefined) throw new Error(`no type ${type}`);
  if (isStringMap(t)) {
    return fc.dictionary(
      text.filter((k) => k !== '__proto__'),
      text,
      { maxKeys: 4, noNullPrototype: true },
    );
  }
  if (isUnion(t)) {
    return fc.oneof(
      ...t.variants.map((v) => record(spec, v.fields, depth, { kind: fc.constant(v.name) })),
    );
  }
  return record(spec, t.fields, depth, {});
}

function record(
  spec: Spec,
  fields: Field[],
  depth: number,
  head: Record<string, fc.Arbitrary<unknown>>,
): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = { ...head };
  for (const f of fields) model[f.name] = value(spec, f.type, f.items, depth + 1);
  const required = [...Object.keys(head), ...fields.filter((f) => !f.optional).map((f) => f.name)];
  return fc.record(model, { requiredKeys: required });
}

export function frameArbitrary(spec: Spec): fc.Arbitrary<Frame> {
  return fc.oneof(
    ...spec.frames.map(
      (f) =>
        record(spec, f.fields, 0, { type: fc.constant(f.name) }) as unknown as fc.Arbitrary<Frame>,
    ),
  );
}
