/**
 * The `--schemas` orders: valid against the order's JSON Schema (ajv with formats, as the broker
 * compiles it: draft 2020-12, strict), 1 KiB encoded, and the same orders as protobuf.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { ORDER_SCHEMA, orderOfSize } from '../src/schemas/order.js';
import { orderCodec } from '../src/schemas/produce.js';

// ajv-formats is CommonJS: its default export is the module, whose `default` is the plugin.
const addFormats = formatsModule.default;
const ajv = new Ajv2020({ strict: true, strictTypes: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(ORDER_SCHEMA);

const json = orderCodec('json');
const protobuf = orderCodec('protobuf');
const jsonSize = (order: object): number => json.encode(order as never).byteLength;
const protobufSize = (order: object): number => protobuf.encode(order as never).byteLength;

describe('orders of --schemas', () => {
  it('are valid against the JSON Schema and 1 KiB as JSON', () => {
    for (let seq = 0; seq < 200; seq += 1) {
      const order = orderOfSize(seq, 1024, jsonSize);
      expect(validate(order), JSON.stringify(validate.errors)).toBe(true);
      expect(jsonSize(order)).toBe(1024);
      expect(Object.keys(order)).toHaveLength(14);
      expect(order.items.length).toBeGreaterThan(3);
    }
  });

  it('are about 1 KiB as protobuf, decode back to themselves and are valid as JSON too', () => {
    for (let seq = 0; seq < 200; seq += 1) {
      const order = orderOfSize(seq, 1024, protobufSize);
      expect(Math.abs(protobufSize(order) - 1024)).toBeLessThanOrEqual(2);
      expect(validate(order), JSON.stringify(validate.errors)).toBe(true);
      const decoded = protobuf.decode(protobuf.encode(order));
      expect({ ...decoded, giftWrap: Boolean(decoded.giftWrap) }).toEqual(order);
    }
  });

  it('differ from one seq to the next', () => {
    const a = orderOfSize(1, 1024, jsonSize);
    const b = orderOfSize(2, 1024, jsonSize);
    expect(a.id).not.toBe(b.id);
    expect(a.customer.id).not.toBe(b.customer.id);
  });

  it('the schema refuses what it should: a quantity of 0, an unknown property, a bad email', () => {
    const order = orderOfSize(7, 1024, jsonSize);
    const zeroQty = { ...order, items: [{ ...order.items[0], qty: 0 }] };
    expect(validate(zeroQty)).toBe(false);
    expect(validate({ ...order, extra: 1 })).toBe(false);
    expect(validate({ ...order, customer: { ...order.customer, email: 'not an email' } })).toBe(
      false,
    );
    expect(validate({ ...order, createdAt: 'yesterday' })).toBe(false);
  });
});
