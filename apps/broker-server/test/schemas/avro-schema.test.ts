import avro from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile, refusal } from './support.js';

const ORDER = {
  type: 'record',
  name: 'Order',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'counts', type: { type: 'map', values: 'int' } },
    {
      name: 'payment',
      type: [
        'null',
        { type: 'record', name: 'Card', fields: [{ name: 'last4', type: 'string' }] },
        'string',
      ],
    },
  ],
};
const Order = avro.Type.forSchema(ORDER as avro.Schema);
const avroSchema = (schema: unknown) =>
  compile({ type: 'avro', definition: JSON.stringify(schema) });
const order = avroSchema(ORDER);
const encode = (value: unknown) => new Uint8Array(Order.toBuffer(value));
const sample = {
  id: 1,
  note: null,
  tags: ['a'],
  counts: { x: 2 },
  payment: { 'shop.Card': { last4: '4242' } },
};

describe('avro schemas', () => {
  it('[SCHEMA-5] accepts one datum of the schema', () => {
    const wrapped = avro.Type.forSchema(ORDER as avro.Schema, { wrapUnions: true });
    expect(order.validate(new Uint8Array(wrapped.toBuffer(sample)))).toBeUndefined();
    expect(
      order.validate(encode({ id: 2, note: 'n', tags: [], counts: {}, payment: 'cash' })),
    ).toBeUndefined();
  });

  it('[SCHEMA-5] refuses a wrong union branch, a truncated datum and trailing bytes', () => {
    const bytes = encode({ id: 2, note: null, tags: [], counts: {}, payment: null });
    expect(order.validate(bytes)).toBeUndefined();
    const wrongBranch = Uint8Array.from(bytes);
    wrongBranch[wrongBranch.length - 1] = 6; // union index 3, past the three branches
    expect(order.validate(wrongBranch)).toMatch(/^the payload is not one datum of the schema: /);
    expect(order.validate(bytes.subarray(0, 3))).toMatch(/^the payload is not one datum/);
    expect(order.validate(Uint8Array.from([...bytes, 0]))).toMatch(/trailing data/);
  });

  it('[SCHEMA-5] accepts any 64-bit long, beyond what a number holds', () => {
    const long = avroSchema('long');
    const max = Uint8Array.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(long.validate(max)).toBeUndefined();
    expect(long.validate(Uint8Array.from([0x02]))).toBeUndefined();
  });

  it('[SCHEMA-5] reads a payload at an offset of a larger buffer', () => {
    const bytes = encode({ id: 3, note: 'x', tags: ['t'], counts: {}, payment: 'cash' });
    const framed = new Uint8Array(bytes.length + 8);
    framed.set(bytes, 4);
    expect(order.validate(framed.subarray(4, 4 + bytes.length))).toBeUndefined();
  });

  it('[SCHEMA-2] refuses a definition avsc does not accept', () => {
    expect(refusal({ type: 'avro', definition: 'not json' })).toMatch(/not JSON/);
    expect(refusal({ type: 'avro', definition: '{"type":"record","name":"R"}' })).toMatch(
      /does not compile/,
    );
    expect(refusal({ type: 'avro', definition: '"nothing"' })).toMatch(/nothing/);
  });

  it('[SCHEMA-1] fingerprints the Parsing Canonical Form', () => {
    const reordered = JSON.stringify(
      { fields: ORDER.fields, name: 'Order', type: 'record', namespace: 'shop', doc: 'orders' },
      null,
      2,
    );
    expect(compile({ type: 'avro', definition: reordered }).fingerprint).toBe(order.fingerprint);
    expect(order.fingerprint).toBe(`sha256:${Order.fingerprint('sha256').toString('hex')}`);
    expect(avroSchema({ ...ORDER, name: 'Other' }).fingerprint).not.toBe(order.fingerprint);
  });

  it('[SCHEMA-5] validates any datum encoded from the type (property)', () => {
    const datum = fc.record({
      id: fc.integer({ min: -(2 ** 52), max: 2 ** 52 }),
      note: fc.option(fc.string(), { nil: null }),
      tags: fc.array(fc.string(), { maxLength: 5 }),
      counts: fc.dictionary(fc.string(), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
      payment: fc.oneof(fc.constant(null), fc.string(), fc.record({ last4: fc.string() })),
    });
    fc.assert(
      fc.property(datum, (value) => {
        expect(order.validate(encode(value))).toBeUndefined();
      }),
    );
    for (let i = 0; i < 200; i++) {
      expect(order.validate(encode(Order.random()))).toBeUndefined();
    }
  });

  it('[SCHEMA-8] never throws on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const result = order.validate(bytes);
        expect(result === undefined || typeof result === 'string').toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('[SCHEMA-3] avro backward compatibility', () => {
  const record = (fields: unknown[]) => avroSchema({ type: 'record', name: 'R', fields });
  const v1 = record([{ name: 'a', type: 'int' }]);

  it('accepts a field added with a default and refuses one without', () => {
    expect(
      record([
        { name: 'a', type: 'int' },
        { name: 'b', type: 'string', default: '' },
      ]).backwardBreak(v1),
    ).toBeUndefined();
    expect(
      record([
        { name: 'a', type: 'int' },
        { name: 'b', type: 'string' },
      ]).backwardBreak(v1),
    ).toMatch(/^cannot read data written with the previous version: /);
  });

  it('accepts int promoted to long and refuses long narrowed to int', () => {
    const long = record([{ name: 'a', type: 'long' }]);
    expect(long.backwardBreak(v1)).toBeUndefined();
    expect(v1.backwardBreak(long)).toMatch(/cannot read data written with the previous version/);
  });

  it('accepts a removed field and refuses a previous version of another type', () => {
    expect(record([]).backwardBreak(v1)).toBeUndefined();
    expect(v1.backwardBreak(compile({ type: 'json', definition: '{}' }))).toMatch(
      /not an avro one/,
    );
  });
});
