/**
 * A spec-driven encoder, independent of the generated codec: it turns the
 * spec's JSON examples into MessagePack values the slow, obvious way. The
 * golden vectors come from here, so the generated codec is checked against a
 * second implementation rather than against itself.
 */
import { lookup } from './model.js';
import { type Field, isStringMap, isUnion, SCALARS, type Spec } from './spec.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function unhex(s: string): Uint8Array {
  return Uint8Array.from(s.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}

/** Expands the spec's example conventions: {$bytes: hex}, and the macros of the invalid vectors. */
export function fromJson(v: unknown, spec: Spec): unknown {
  if (typeof v === 'string') {
    if (v === '$defaultLimits')
      return Object.fromEntries(Object.entries(spec.limits).map(([k, l]) => [k, l.default]));
    const m = /^\$(repeat|headers|refs)\((.+)\)$/.exec(v);
    if (m === null) return v;
    const args = (m[2] ?? '').split(',').map((s) => s.trim());
    const n = Number(args.at(-1));
    if (m[1] === 'repeat') return (args[0] ?? '').repeat(n);
    if (m[1] === 'headers')
      return Object.fromEntries(Array.from({ length: n }, (_, i) => [`h${i}`, 'v']));
    return Array.from({ length: n }, (_, i) => [0, i]);
  }
  if (Array.isArray(v)) return v.map((x) => fromJson(x, spec));
  if (typeof v === 'object' && v !== null) {
    if ('$bytes' in v) return unhex(String((v as { $bytes: unknown }).$bytes));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromJson(x, spec)]));
  }
  return v;
}

/** The JSON form of a decoded value: bytes become {$bytes: hex}. */
export function toJson(v: unknown): Json {
  if (v instanceof Uint8Array) return { $bytes: hex(v) };
  if (Array.isArray(v)) return v.map(toJson);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  }
  return v as Json;
}

function positional(
  spec: Spec,
  fields: Field[],
  value: Record<string, unknown>,
  head: unknown[],
): unknown[] {
  const out = [
    ...head,
    ...fields.map((f) => (value[f.name] == null ? undefined : fieldWire(spec, f, value[f.name]))),
  ];
  while (out.length > 0 && out[out.length - 1] === undefined) out.pop();
  return out;
}

export function fieldWire(spec: Spec, f: Pick<Field, 'type' | 'items'>, value: unknown): unknown {
  if (f.type === 'array')
    return (value as unknown[]).map((x) => fieldWire(spec, { type: f.items ?? '' }, x));
  if (SCALARS.has(f.type) || f.type in spec.enums) return value;
  const t = lookup(spec, f.type);
  if (t === undefined) throw new Error(`unknown type ${f.type}`);
  if (isStringMap(t)) return value;
  const obj = value as Record<string, unknown>;
  if (isUnion(t)) {
    const variant = t.variants.find((v) => v.name === obj.kind);
    if (variant === undefined) throw new Error(`${f.type}: no variant ${String(obj.kind)}`);
    return positional(spec, variant.fields, obj, [variant.tag]);
  }
  if (t.encoding === 'array') return positional(spec, t.fields, obj, []);
  const out: Record<string, unknown> = {};
  for (const field of t.fields) {
    if (obj[field.name] != null) out[field.name] = fieldWire(spec, field, obj[field.name]);
  }
  return out;
}

export function frameWire(spec: Spec, value: Record<string, unknown>): unknown[] {
  const frame = spec.frames.find((f) => f.name === value.type);
  if (frame === undefined) throw new Error(`unknown frame ${String(value.type)}`);
  return positional(spec, frame.fields, value, [frame.code]);
}
