/**
 * Request bodies checked against their schemas in openapi-schemas.ts before they become a
 * frame: a wrong type, a missing field or an unknown one is INVALID_FIELD naming it. Only the
 * keywords those schemas use are understood ($ref, type, properties, required,
 * additionalProperties, items, minItems, enum, minimum, maximum); the codec checks the frame's
 * fields against the limits afterwards.
 */
import { FerryError } from '@ferry/protocol';
import type { JsonSchema } from './route.js';

const REF = '#/components/schemas/';

function fail(at: string, expected: string): never {
  throw new FerryError('INVALID_FIELD', `${at}: expected ${expected}`);
}

function typeOk(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return typeof value === type;
  }
}

const ARTICLE: Record<string, string> = {
  object: 'an object',
  array: 'an array',
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean',
};

/** `value` if it matches `schema` (its $refs resolved in `schemas`), else INVALID_FIELD. */
export function checkJson<T>(
  value: unknown,
  schema: JsonSchema,
  schemas: Readonly<Record<string, JsonSchema>>,
  at = 'body',
): T {
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const target = ref.startsWith(REF) ? schemas[ref.slice(REF.length)] : undefined;
    if (target === undefined) throw new FerryError('INTERNAL', `no schema ${ref}`);
    return checkJson(value, target, schemas, at);
  }
  const type = schema.type;
  if (typeof type === 'string' && !typeOk(value, type)) fail(at, ARTICLE[type] ?? type);
  const { enum: values, minimum, maximum } = schema;
  if (Array.isArray(values) && !values.includes(value)) fail(at, `one of ${values.join(', ')}`);
  if (typeof value === 'number') {
    if (typeof minimum === 'number' && value < minimum) fail(at, `at least ${minimum}`);
    if (typeof maximum === 'number' && value > maximum) fail(at, `at most ${maximum}`);
  }
  if (Array.isArray(value)) {
    const { items, minItems } = schema;
    if (typeof minItems === 'number' && value.length < minItems)
      fail(at, `at least ${minItems} item(s)`);
    if (typeof items === 'object' && items !== null)
      value.forEach((item, i) => {
        checkJson(item, items as JsonSchema, schemas, `${at}[${i}]`);
      });
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const required = (schema.required ?? []) as string[];
    for (const name of required)
      if (record[name] === undefined)
        throw new FerryError('INVALID_FIELD', `${at}.${name}: missing`);
    const extra = schema.additionalProperties;
    for (const [name, v] of Object.entries(record)) {
      const known = Object.hasOwn(properties, name) ? properties[name] : undefined;
      if (known !== undefined) checkJson(v, known, schemas, `${at}.${name}`);
      else if (extra === false)
        throw new FerryError('INVALID_FIELD', `${at}.${name}: unknown field`);
      else if (typeof extra === 'object' && extra !== null)
        checkJson(v, extra as JsonSchema, schemas, `${at}.${name}`);
    }
  }
  return value as T;
}
