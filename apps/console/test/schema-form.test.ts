import { describe, expect, it } from 'vitest';
import {
  compatibilityRefusal,
  emptySchemaForm,
  newSchemaOf,
  type SchemaForm,
  withType,
} from '../src/lib/schema-form.js';

const form = (over: Partial<SchemaForm>): SchemaForm => ({
  ...emptySchemaForm(),
  name: 'orders',
  definition: '{"type":"object"}',
  ...over,
});

describe('compatibilityRefusal', () => {
  it('refuses backward for json only (SCHEMA-3)', () => {
    expect(compatibilityRefusal('json', 'backward')).toMatch(/json/);
    expect(compatibilityRefusal('json', 'none')).toBeUndefined();
    expect(compatibilityRefusal('protobuf', 'backward')).toBeUndefined();
    expect(compatibilityRefusal('avro', 'backward')).toBeUndefined();
  });
});

describe('withType', () => {
  it('falls back to none when the new type does not offer the compatibility', () => {
    expect(withType(form({ type: 'avro', compatibility: 'backward' }), 'json')).toMatchObject({
      type: 'json',
      compatibility: 'none',
    });
  });

  it('keeps a compatibility the new type offers', () => {
    expect(withType(form({ type: 'avro', compatibility: 'backward' }), 'protobuf')).toMatchObject({
      type: 'protobuf',
      compatibility: 'backward',
    });
  });
});

describe('newSchemaOf', () => {
  it('sends a json schema without a message type, its name trimmed', () => {
    expect(newSchemaOf(form({ name: ' orders ', messageType: 'ignored' }))).toEqual({
      ok: true,
      value: {
        name: 'orders',
        schema: { type: 'json', definition: '{"type":"object"}', compatibility: 'none' },
      },
    });
  });

  it('sends a protobuf schema with its message type', () => {
    const parsed = newSchemaOf(
      form({
        type: 'protobuf',
        messageType: ' shop.Order ',
        compatibility: 'backward',
        definition: 'syntax = "proto3"; package shop; message Order { int64 id = 1; }',
      }),
    );
    expect(parsed.ok && parsed.value.schema).toMatchObject({
      type: 'protobuf',
      messageType: 'shop.Order',
      compatibility: 'backward',
    });
  });

  it('says what is missing before asking the broker', () => {
    expect(newSchemaOf(form({ name: '  ' }))).toMatchObject({ ok: false, error: /name/ });
    expect(newSchemaOf(form({ definition: '\n' }))).toMatchObject({
      ok: false,
      error: /definition/,
    });
    expect(newSchemaOf(form({ type: 'protobuf', messageType: '' }))).toMatchObject({
      ok: false,
      error: /message type/,
    });
    expect(newSchemaOf(form({ compatibility: 'backward' }))).toMatchObject({ ok: false });
  });

  it('leaves the definition as typed: the broker judges it', () => {
    const parsed = newSchemaOf(form({ definition: '{ not json' }));
    expect(parsed.ok && parsed.value.schema.definition).toBe('{ not json');
  });
});
