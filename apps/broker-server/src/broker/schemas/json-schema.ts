import { FerryError } from '@ferry/protocol';
import { Ajv, type AnySchema, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { RE2JS } from 're2js';
import type { CompiledSchema, SchemaLimits } from './compiled.js';
import { jsonDepth } from './definition-depth.js';
import { isDeterministicPattern } from './deterministic-pattern.js';
import { canonicalJson, sha256Fingerprint } from './fingerprint.js';
import { contained, messageOf, schemaInvalid } from './violation.js';

const DRAFT_2020 = 'https://json-schema.org/draft/2020-12/schema';
const DRAFT_07 = 'http://json-schema.org/draft-07/schema';
/** ajv's uniqueItems compares every pair of items, so the array it runs on must be small. */
const MAX_UNIQUE_ITEMS = 1000;
/** Keywords whose values are data, not schemas: a `uniqueItems` inside them is no constraint. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples']);

// ajv-formats is CommonJS: its default export is the module, whose `default` is the plugin.
const addFormats = formatsModule.default;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Compiles a JSON Schema (draft 2020-12 or draft-07) with linear-time patterns (SCHEMA-2). */
export function compileJsonSchema(definition: string, limits: SchemaLimits): CompiledSchema {
  const schema = parseDefinition(definition);
  const depth = jsonDepth(schema, limits.maxDepth);
  if (depth > limits.maxDepth) {
    throw schemaInvalid(`the definition is nested deeper than ${limits.maxDepth} levels`);
  }
  refuseUnboundedUniqueItems(schema);
  const check = compileValidator(schema);
  return {
    type: 'json',
    fingerprint: sha256Fingerprint(canonicalJson(schema)),
    validate: contained((payload) => {
      let text: string;
      try {
        text = utf8.decode(payload);
      } catch {
        return 'the payload is not UTF-8';
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        return `the payload is not JSON: ${messageOf(error)}`;
      }
      return check(value) ? undefined : describe(check.errors?.[0]);
    }),
    backwardBreak: () => 'backward compatibility is not offered for JSON Schema',
  };
}

function parseDefinition(definition: string): AnySchema {
  let schema: unknown;
  try {
    schema = JSON.parse(definition);
  } catch (error) {
    throw schemaInvalid(`the definition is not JSON: ${messageOf(error)}`);
  }
  if (typeof schema === 'boolean') return schema;
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw schemaInvalid('a JSON Schema definition must be an object or a boolean');
  }
  return schema as AnySchema;
}

function refuseUnboundedUniqueItems(schema: AnySchema): void {
  const pending: unknown[] = [schema];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      pending.push(...node);
      continue;
    }
    const keywords = node as Record<string, unknown>;
    const { uniqueItems, maxItems } = keywords;
    if (uniqueItems === true && !(typeof maxItems === 'number' && maxItems <= MAX_UNIQUE_ITEMS)) {
      throw schemaInvalid(`uniqueItems needs a maxItems of at most ${MAX_UNIQUE_ITEMS}`);
    }
    for (const [key, value] of Object.entries(keywords)) {
      if (!DATA_KEYWORDS.has(key)) pending.push(value);
    }
  }
}

function compileValidator(schema: AnySchema): ValidateFunction {
  const ajv = newAjv(draftOf(schema));
  try {
    return ajv.compile(schema);
  } catch (error) {
    if (error instanceof FerryError) throw error;
    throw schemaInvalid(`the definition does not compile: ${messageOf(error)}`);
  }
}

type Draft = '2020-12' | 'draft-07';

function draftOf(schema: AnySchema): Draft {
  const declared = typeof schema === 'object' ? schema.$schema : undefined;
  if (declared === undefined || declared === DRAFT_2020) return '2020-12';
  if (declared === DRAFT_07 || declared === `${DRAFT_07}#`) return 'draft-07';
  throw schemaInvalid(
    `unsupported $schema ${JSON.stringify(declared)}: use draft 2020-12 or draft-07`,
  );
}

/** One instance per compile, so that no $id or $ref of one schema is seen by another. */
function newAjv(draft: Draft): Ajv {
  const options: Options = {
    allErrors: false,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    validateFormats: true,
    logger: false,
    code: { regExp: linearRegExp },
  };
  const ajv = draft === '2020-12' ? new Ajv2020(options) : new Ajv(options);
  addFormats(ajv);
  return ajv;
}

/**
 * ajv's regular-expression engine. Every pattern must compile on RE2, which runs in linear time,
 * so no pattern can backtrack catastrophically; one of the anchored, deterministic form V8
 * cannot backtrack on either runs on V8's engine, several times faster (deterministic-pattern.ts).
 */
function linearRegExp(pattern: string): { test(input: string): boolean } {
  let re2: RE2JS;
  try {
    re2 = RE2JS.compile(RE2JS.translateRegExp(pattern));
  } catch (error) {
    throw schemaInvalid(
      `pattern ${JSON.stringify(pattern)} cannot run in linear time (no backreferences or lookaround): ${messageOf(error)}`,
    );
  }
  if (!isDeterministicPattern(pattern)) return re2;
  try {
    return new RegExp(pattern, 'u');
  } catch {
    // RE2 takes some syntax ECMAScript's unicode mode does not: that pattern stays on RE2.
    return re2;
  }
}
linearRegExp.code = 'linearRegExp';

function describe(error: ErrorObject | undefined): string {
  if (error === undefined) return 'the payload does not match the schema';
  const where = error.instancePath || '/';
  const params = error.params as Record<string, unknown>;
  const property = params.additionalProperty ?? params.unevaluatedProperty;
  const detail = typeof property === 'string' ? ` (${JSON.stringify(property)})` : '';
  return `${where} ${error.message ?? 'is invalid'}${detail}`;
}
