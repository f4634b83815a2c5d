import { describe, expect, it } from 'vitest';
import { compile } from './support.js';

const ORDER = (fields: string, extra = '') => `
syntax = "proto3";
package shop;
message Item { string sku = 1; int32 quantity = 2; }
message Order {
  int64 id = 1;
  repeated Item items = 2;
  ${fields}
}
${extra}`;

const v1 = compile({
  type: 'protobuf',
  definition: ORDER('double price = 3;'),
  messageType: 'shop.Order',
});
const next = (definition: string, messageType = 'shop.Order') =>
  compile({ type: 'protobuf', definition, messageType });

describe('[SCHEMA-3] protobuf backward compatibility', () => {
  it('accepts the same definition and added fields', () => {
    expect(v1.backwardBreak(v1)).toBeUndefined();
    expect(next(ORDER('double price = 3; string note = 4;')).backwardBreak(v1)).toBeUndefined();
  });

  it('refuses a field removed without reserving it', () => {
    expect(next(ORDER('')).backwardBreak(v1)).toBe(
      'field 3 (price) of shop.Order was removed without reserving its number',
    );
  });

  it('accepts a removed field whose number or name is reserved', () => {
    expect(next(ORDER('reserved 3;')).backwardBreak(v1)).toBeUndefined();
    expect(next(ORDER('reserved 3 to 5;')).backwardBreak(v1)).toBeUndefined();
    expect(next(ORDER('reserved "price";')).backwardBreak(v1)).toBeUndefined();
  });

  it('refuses a retyped field and a changed label', () => {
    expect(next(ORDER('string price = 3;')).backwardBreak(v1)).toBe(
      'field 3 (price) of shop.Order changed from double to string',
    );
    expect(next(ORDER('repeated double price = 3;')).backwardBreak(v1)).toBe(
      'field 3 (price) of shop.Order changed from double to repeated double',
    );
    expect(next(ORDER('float price = 3;')).backwardBreak(v1)).toMatch(/from double to float/);
  });

  it('checks the message types the message reaches', () => {
    const itemChanged = ORDER('double price = 3;').replace(
      'int32 quantity = 2;',
      'string quantity = 2;',
    );
    expect(next(itemChanged).backwardBreak(v1)).toBe(
      'field 2 (quantity) of shop.Item changed from int32 to string',
    );
    const itemRenamed = ORDER('double price = 3;')
      .replace('message Item', 'message Line')
      .replace('repeated Item', 'repeated Line');
    expect(next(itemRenamed).backwardBreak(v1)).toBe(
      'field 2 (items) of shop.Order changed from repeated shop.Item to repeated shop.Line',
    );
  });

  it('refuses a renamed message type', () => {
    const renamed = ORDER('double price = 3;').replace('message Order', 'message Purchase');
    expect(next(renamed, 'shop.Purchase').backwardBreak(v1)).toBe(
      'the message type changed from shop.Order to shop.Purchase',
    );
  });

  it('refuses a new proto2 required field', () => {
    const old = next('syntax = "proto2"; message P { optional int32 a = 1; }', 'P');
    const required = next(
      'syntax = "proto2"; message P { optional int32 a = 1; required int32 b = 2; }',
      'P',
    );
    expect(required.backwardBreak(old)).toMatch(/field 2 \(b\) of P is required/);
  });

  it('refuses a previous version of another type', () => {
    const json = compile({ type: 'json', definition: '{}' });
    expect(v1.backwardBreak(json)).toMatch(/json schema, not a protobuf one/);
  });
});
