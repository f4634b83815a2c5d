/**
 * The schema forms' values and what they send: only what the type uses, and no compatibility
 * the type does not offer. Pure, so unit-tested; the broker still checks the definition.
 */
import type { NewSchema, SchemaCompatibility, SchemaType } from '@ferry/browser';
import type { Parsed } from './station-config.js';

export const SCHEMA_TYPES: readonly SchemaType[] = ['json', 'protobuf', 'avro'];

export interface SchemaForm {
  name: string;
  type: SchemaType;
  /** protobuf only: the fully qualified message type payloads are encoded as. */
  messageType: string;
  compatibility: SchemaCompatibility;
  definition: string;
}

export function emptySchemaForm(): SchemaForm {
  return { name: '', type: 'json', messageType: '', compatibility: 'none', definition: '' };
}

/**
 * Why `compatibility` is not offered for `type`, to show beside the disabled choice; undefined
 * when it is. [SCHEMA-3]
 */
export function compatibilityRefusal(
  type: SchemaType,
  compatibility: SchemaCompatibility,
): string | undefined {
  return type === 'json' && compatibility === 'backward'
    ? 'Not for json: the broker has no backward check for JSON Schema.'
    : undefined;
}

/** The form with another type: a compatibility that type does not offer falls back to none. */
export function withType(form: SchemaForm, type: SchemaType): SchemaForm {
  const compatibility =
    compatibilityRefusal(type, form.compatibility) === undefined ? form.compatibility : 'none';
  return { ...form, type, compatibility };
}

/** The name and the schema the form registers, or what is missing before asking the broker. */
export function newSchemaOf(form: SchemaForm): Parsed<{ name: string; schema: NewSchema }> {
  const name = form.name.trim();
  const messageType = form.messageType.trim();
  if (name === '') return { ok: false, error: 'A schema needs a name' };
  if (form.definition.trim() === '') return { ok: false, error: 'A schema needs a definition' };
  if (form.type === 'protobuf' && messageType === '')
    return {
      ok: false,
      error: 'A protobuf schema needs the message type of its payloads, such as shop.Order',
    };
  const refusal = compatibilityRefusal(form.type, form.compatibility);
  if (refusal !== undefined) return { ok: false, error: refusal };
  const schema: NewSchema = {
    type: form.type,
    definition: form.definition,
    compatibility: form.compatibility,
    ...(form.type === 'protobuf' ? { messageType } : {}),
  };
  return { ok: true, value: { name, schema } };
}

/** What the definition field shows while empty, in the type's own language. */
export const DEFINITION_PLACEHOLDERS: Record<SchemaType, string> = {
  json: '{ "type": "object", "required": ["id"], "properties": { "id": { "type": "integer" } } }',
  protobuf: 'syntax = "proto3";\npackage shop;\nmessage Order { int64 id = 1; }',
  avro: '{ "type": "record", "name": "Order", "fields": [{ "name": "id", "type": "long" }] }',
};
