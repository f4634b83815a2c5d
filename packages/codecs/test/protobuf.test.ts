import fc from 'fast-check';
import protobufjs from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { CodecError, codecs } from '../src/index.js';
import { protobuf } from '../src/protobuf.js';
import { SHOP_PROTO } from './support.js';

const orders = codecs.protobuf(SHOP_PROTO, 'shop.Order');

/** An Order with every field set, as `decode` returns it. */
const fullOrder = {
  id: 'o-1',
  status: 'SHIPPED',
  lines: [
    { sku: 'tea', quantity: 2, price: { currency: 'EUR', cents: '450' } },
    { sku: 'cup', quantity: 1, price: { currency: 'EUR', cents: '-9223372036854775808' } },
  ],
  total: { currency: 'EUR', cents: '9223372036854775807' },
  signature: new Uint8Array([0, 1, 254, 255]),
  labels: { channel: 'web', region: 'eu' },
  tags: ['gift', 'express'],
  balance: '-42',
  sequence: '18446744073709551615',
  gift: true,
  weight: 1.25,
  pickupPoint: 'P-17',
};

describe('codecs.protobuf', () => {
  it('round-trips nested messages, repeated fields, maps, enums, int64, oneof and bytes', () => {
    const payload = orders.encode(fullOrder);
    expect(payload.constructor).toBe(Uint8Array);
    expect(orders.decode(payload)).toEqual(fullOrder);
  });

  it('decodes every field with its default, longs as strings, enums by name, bytes as Uint8Array', () => {
    const decoded = orders.decode(orders.encode({ id: 'o-2' }));
    expect(decoded).toEqual({
      id: 'o-2',
      status: 'STATUS_UNSPECIFIED',
      lines: [],
      total: null,
      signature: new Uint8Array(0),
      labels: {},
      tags: [],
      balance: '0',
      sequence: '0',
      gift: false,
      weight: 0,
    });
    expect((decoded as { signature: Uint8Array }).signature.constructor).toBe(Uint8Array);
  });

  it('encodes enum numbers, 64-bit numbers and bigints as well as what it decodes to', () => {
    const payload = orders.encode({ status: 1, balance: -7n, sequence: 12, total: { cents: 5n } });
    expect(orders.decode(payload)).toMatchObject({
      status: 'PAID',
      balance: '-7',
      sequence: '12',
      total: { currency: '', cents: '5' },
    });
  });

  it('decodes from a Node Buffer with bytes fields as plain Uint8Arrays', () => {
    const payload = Buffer.from(orders.encode({ signature: new Uint8Array([7, 8]) }));
    const decoded = orders.decode(payload) as { signature: Uint8Array };
    expect(decoded.signature.constructor).toBe(Uint8Array);
    expect([...decoded.signature]).toEqual([7, 8]);
  });

  it('takes a parsed protobufjs Root', () => {
    const root = protobufjs.parse(SHOP_PROTO).root;
    const money = protobuf<{ currency: string; cents: string }>(root, 'shop.Money');
    expect(money.decode(money.encode({ currency: 'USD', cents: '1' }))).toEqual({
      currency: 'USD',
      cents: '1',
    });
  });

  it.each([
    [{ id: 5 }, 'id: string expected'],
    [{ status: 'LOST' }, 'status: enum value expected'],
    [{ lines: [{ quantity: 'two' }] }, 'lines.quantity: integer expected'],
    [{ total: { cents: '12.5' } }, 'total.cents: integer|Long expected'],
    [{ sequence: '-1' }, 'sequence: integer|Long expected'],
    [{ balance: '9223372036854775808' }, 'balance: integer|Long expected'],
    [{ address: 'Main St', pickupPoint: 'P-1' }, 'delivery: multiple values'],
    [{ tags: 'gift' }, 'tags: array expected'],
    [{ labels: { a: 1 } }, 'labels: string{k:string} expected'],
  ])('refuses %j on encode, naming the field', (value, problem) => {
    const refusal = (() => {
      try {
        orders.encode(value);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(CodecError);
    expect(refusal).toMatchObject({
      code: 'SCHEMA_VIOLATION',
      message: `not a valid shop.Order: ${problem}`,
    });
  });

  it('refuses a payload that is not the type with SCHEMA_VIOLATION', () => {
    expect(() => orders.decode(new Uint8Array([10, 50, 1]))).toThrow(
      expect.objectContaining({ code: 'SCHEMA_VIOLATION', name: 'CodecError' }),
    );
  });

  it('refuses .proto text that does not parse, and a type it does not declare', () => {
    expect(() => protobuf('message {', 'x.Y')).toThrow(
      expect.objectContaining({ code: 'SCHEMA_INVALID' }),
    );
    expect(() => protobuf(SHOP_PROTO, 'shop.Refund')).toThrow(
      expect.objectContaining({
        code: 'SCHEMA_INVALID',
        message: expect.stringContaining('shop.Refund'),
      }),
    );
    expect(() => protobuf('syntax = "proto3"; message A { B b = 1; }', 'A')).toThrow(
      expect.objectContaining({ code: 'SCHEMA_INVALID' }),
    );
  });

  it('round-trips random orders', () => {
    const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);
    const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
    const money = fc.record({ currency: fc.string(), cents: int64 });
    const line = fc.record({
      sku: fc.string(),
      quantity: fc.nat({ max: 2 ** 32 - 1 }),
      price: money,
    });
    const order = fc.record({
      id: fc.string(),
      status: fc.constantFrom('STATUS_UNSPECIFIED', 'PAID', 'SHIPPED'),
      lines: fc.array(line, { maxLength: 4 }),
      total: money,
      signature: fc.uint8Array({ maxLength: 32 }),
      labels: fc.dictionary(fc.string(), fc.string(), { maxKeys: 4 }),
      tags: fc.array(fc.string(), { maxLength: 4 }),
      balance: int64,
      sequence: uint64,
      gift: fc.boolean(),
      // -0 would come back as -0 too, but toEqual tells it from the default 0 it is encoded as.
      weight: fc.double({ noNaN: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
    });
    const delivery = fc.oneof(
      fc.constant({}),
      fc.record({ address: fc.string() }),
      fc.record({ pickupPoint: fc.string() }),
    );
    fc.assert(
      fc.property(order, delivery, (fields, oneof) => {
        const value = { ...fields, ...oneof };
        expect(orders.decode(orders.encode(value))).toEqual(value);
      }),
    );
  });
});
