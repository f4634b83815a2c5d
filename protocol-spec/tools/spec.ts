import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';

/** The spec file's shape, as validated by spec/protocol.schema.json. */
export interface Field {
  name: string;
  type: string;
  optional?: boolean;
  maxBytes?: string;
  items?: string;
  maxItems?: string;
  description: string;
}

export interface StructType {
  encoding: 'array' | 'map';
  description: string;
  fields: Field[];
}

export interface UnionVariant {
  name: string;
  tag: number;
  description: string;
  fields: Field[];
}

export interface UnionType {
  kind: 'union';
  description: string;
  variants: UnionVariant[];
}

export interface StringMapType {
  kind: 'map';
  description: string;
  values: 'string';
  maxEntries: string;
  maxKeyBytes: string;
  maxValueBytes: string;
}

export type NamedType = StructType | UnionType | StringMapType;

export interface FrameSpec {
  name: string;
  code: number;
  direction: 'client' | 'server' | 'both';
  reply?: string;
  description: string;
  fields: Field[];
  examples: Record<string, unknown>[];
}

export interface Spec {
  protocol: 'ferry';
  version: number;
  minVersion: number;
  limits: Record<string, { default: number; description: string }>;
  rules: { id: string; area: string; text: string }[];
  errors: { code: string; number: number; http: number; retriable: boolean; description: string }[];
  enums: Record<string, { description: string; values: Record<string, string> }>;
  types: Record<string, NamedType>;
  frames: FrameSpec[];
  invalid: { name: string; hex?: string; wire?: unknown; expect: string }[];
}

export const SCALARS = new Set(['bool', 'u8', 'u16', 'u32', 'u53', 'string', 'bytes']);

/** The Limits struct is derived from the limits section rather than written twice. */
export const LIMITS_TYPE = 'Limits';

export function isUnion(t: NamedType): t is UnionType {
  return 'kind' in t && t.kind === 'union';
}

export function isStringMap(t: NamedType): t is StringMapType {
  return 'kind' in t && t.kind === 'map';
}

export function loadSpec(specPath: string, schemaPath: string): Spec {
  return checkSpec(parse(readFileSync(specPath, 'utf8')), schemaPath);
}

/** Validates a parsed spec against its schema and its own references. */
export function checkSpec(doc: unknown, schemaPath: string): Spec {
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as object;
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  if (!validate(doc)) {
    const lines = (validate.errors ?? []).map((e) => `  ${e.instancePath || '/'} ${e.message}`);
    throw new Error(`spec does not match its schema:\n${lines.join('\n')}`);
  }
  const spec = doc as Spec;
  checkSemantics(spec);
  return spec;
}

/** What JSON Schema cannot say: uniqueness and that every reference resolves. */
function checkSemantics(spec: Spec): void {
  const problems: string[] = [];
  const unique = (what: string, values: (string | number)[]) => {
    const seen = new Set<string | number>();
    for (const v of values) {
      if (seen.has(v)) problems.push(`duplicate ${what}: ${v}`);
      seen.add(v);
    }
  };
  const lists: [string, (string | number)[]][] = [
    ['frame name', spec.frames.map((f) => f.name)],
    ['frame code', spec.frames.map((f) => f.code)],
    ['error code', spec.errors.map((e) => e.code)],
    ['error number', spec.errors.map((e) => e.number)],
    ['rule id', spec.rules.map((r) => r.id)],
  ];
  for (const [what, values] of lists) unique(what, values);
  unique('type name', [...Object.keys(spec.types), ...Object.keys(spec.enums), LIMITS_TYPE]);
  if (spec.minVersion > spec.version) problems.push('minVersion is above version');

  const frameNames = new Set(spec.frames.map((f) => f.name));
  const errorCodes = new Set(spec.errors.map((e) => e.code));
  const limit = (where: string, name: string | undefined) => {
    if (name !== undefined && !(name in spec.limits))
      problems.push(`${where}: unknown limit ${name}`);
  };
  const typeRef = (where: string, ref: string) => {
    if (!SCALARS.has(ref) && ref !== LIMITS_TYPE && !(ref in spec.types) && !(ref in spec.enums)) {
      problems.push(`${where}: unknown type ${ref}`);
    }
  };
  const fields = (where: string, list: Field[], positional: boolean) => {
    unique(
      `field name in ${where}`,
      list.map((f) => f.name),
    );
    let sawOptional = false;
    for (const f of list) {
      const at = `${where}.${f.name}`;
      if (f.type === 'array') {
        if (f.items === 'array' || f.items === undefined)
          problems.push(`${at}: array items must be a scalar or named type`);
        else typeRef(at, f.items);
      } else {
        typeRef(at, f.type);
      }
      limit(at, f.maxBytes);
      limit(at, f.maxItems);
      if (f.optional) sawOptional = true;
      else if (sawOptional && positional)
        problems.push(`${at}: required field after an optional one`);
    }
  };
  for (const [name, t] of Object.entries(spec.types)) {
    if (isUnion(t)) {
      unique(
        `variant tag in ${name}`,
        t.variants.map((v) => v.tag),
      );
      unique(
        `variant name in ${name}`,
        t.variants.map((v) => v.name),
      );
      for (const v of t.variants) fields(`${name}.${v.name}`, v.fields, true);
    } else if (isStringMap(t)) {
      limit(name, t.maxEntries);
      limit(name, t.maxKeyBytes);
      limit(name, t.maxValueBytes);
    } else {
      fields(name, t.fields, t.encoding === 'array');
    }
  }
  for (const f of spec.frames) {
    if (f.reply !== undefined && !frameNames.has(f.reply))
      problems.push(`frame ${f.name}: unknown reply ${f.reply}`);
    if (f.fields.some((x) => x.name === 'type'))
      problems.push(`frame ${f.name}: 'type' is reserved`);
    fields(`frame ${f.name}`, f.fields, true);
    for (const ex of f.examples) {
      if (ex.type !== f.name) problems.push(`frame ${f.name}: example of type ${String(ex.type)}`);
    }
  }
  for (const v of spec.invalid) {
    if (!errorCodes.has(v.expect))
      problems.push(`invalid vector '${v.name}': unknown error code ${v.expect}`);
  }
  if (problems.length > 0) throw new Error(`spec is inconsistent:\n  ${problems.join('\n  ')}`);
}
