import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { compile, refusal } from './support.js';

const SHOP = `
syntax = "proto3";
package shop;

message Item {
  string sku = 1;
  int32 quantity = 2;
}

message Order {
  int64 id = 1;
  repeated Item items = 2;
  double price = 3;
  Status status = 4;
  map<string, int32> counts = 5;
  enum Status { OPEN = 0; PAID = 1; }
}
`;

const shopType = (definition = SHOP) =>
  protobuf.parse(definition, { keepCase: true }).root.lookupType('shop.Order');
const protoSchema = (definition: string, messageType = 'shop.Order') =>
  compile({ type: 'protobuf', definition, messageType });

describe('protobuf schemas', () => {
  const order = protoSchema(SHOP);
  const Order = shopType();

  it('[SCHEMA-5] accepts an encoded message and refuses malformed data', () => {
    const bytes = Order.encode(
      Order.fromObject({ id: 7, items: [{ sku: 'a', quantity: 2 }], price: 9.5, counts: { x: 1 } }),
    ).finish();
    expect(order.validate(bytes)).toBeUndefined();
    expect(order.validate(new Uint8Array())).toBeUndefined();
    expect(order.validate(bytes.subarray(0, bytes.length - 1))).toMatch(
      /^the payload does not decode as shop\.Order: /,
    );
  });

  it('[SCHEMA-5] accepts unknown fields', () => {
    const unknown = new protobuf.Writer()
      .uint32((99 << 3) | 2)
      .string('later')
      .finish();
    expect(order.validate(unknown)).toBeUndefined();
  });

  it('[SCHEMA-5] refuses trailing garbage', () => {
    const bytes = Order.encode(Order.fromObject({ id: 1 })).finish();
    expect(order.validate(Uint8Array.from([...bytes, 0x0f, 0xff]))).toMatch(/does not decode as/);
  });

  it('[SCHEMA-5] refuses a proto2 message without a required field', () => {
    const definition =
      'syntax = "proto2"; message Ping { required int32 seq = 1; optional string note = 2; }';
    const ping = protoSchema(definition, 'Ping');
    expect(ping.validate(Uint8Array.from([0x08, 0x01]))).toBeUndefined();
    expect(ping.validate(Uint8Array.from([0x12, 0x01, 0x61]))).toMatch(/seq/);
  });

  it('reports the message type fully qualified, without a leading dot', () => {
    expect(order.messageType).toBe('shop.Order');
    expect(protoSchema(SHOP, '.shop.Order').messageType).toBe('shop.Order');
    expect(protoSchema(SHOP, 'shop.Item').messageType).toBe('shop.Item');
  });

  it('[SCHEMA-2] refuses a missing or undeclared message type', () => {
    expect(refusal({ type: 'protobuf', definition: SHOP })).toMatch(/message type/);
    expect(refusal({ type: 'protobuf', definition: SHOP, messageType: 'shop.Missing' })).toMatch(
      /shop\.Missing/,
    );
    refusal({ type: 'protobuf', definition: SHOP, messageType: 'shop.Order.Status' });
    const definition =
      'syntax = "proto3"; import "google/protobuf/timestamp.proto"; message A { int32 x = 1; }';
    refusal({ type: 'protobuf', definition, messageType: 'google.protobuf.Timestamp' });
  });

  it('[SCHEMA-2] refuses text that does not parse or resolve', () => {
    expect(refusal({ type: 'protobuf', definition: 'message {', messageType: 'A' })).toMatch(
      /does not parse/,
    );
    const unresolved = 'syntax = "proto3"; message A { Missing m = 1; }';
    expect(refusal({ type: 'protobuf', definition: unresolved, messageType: 'A' })).toMatch(
      /Missing/,
    );
  });

  it("[SCHEMA-2] resolves Google's well-known types and refuses any other import", () => {
    const definition = `syntax = "proto3";
      import "google/protobuf/timestamp.proto";
      import "google/protobuf/wrappers.proto";
      message Event { google.protobuf.Timestamp at = 1; google.protobuf.StringValue note = 2; }`;
    const event = protoSchema(definition, 'Event');
    // Event.at = { seconds: 1700000000 }
    const bytes = new protobuf.Writer()
      .uint32(0x0a)
      .fork()
      .uint32(0x08)
      .int64(1_700_000_000)
      .ldelim()
      .finish();
    expect(event.validate(bytes)).toBeUndefined();
    expect(event.validate(Uint8Array.from([0x0a, 0x02, 0x08]))).toMatch(/does not decode/);
    for (const file of ['other/thing.proto', 'google/protobuf/descriptor.proto']) {
      const importing = `syntax = "proto3"; import "${file}"; message A { int32 x = 1; }`;
      expect(refusal({ type: 'protobuf', definition: importing, messageType: 'A' })).toMatch(
        /import .* is refused/,
      );
    }
  });

  it('[SCHEMA-2] bounds declaration nesting and field-reference depth, recursion allowed', () => {
    const nested = (depth: number) =>
      `syntax = "proto3"; ${'message M { '.repeat(depth)}int32 x = 1; ${'} '.repeat(depth)}`;
    // protobufjs's parser refuses some 33 levels itself, so a smaller limit shows the broker's own.
    const shallow = { maxDepth: 8 };
    expect(
      compile({ type: 'protobuf', definition: nested(8), messageType: 'M' }, shallow).messageType,
    ).toBe('M');
    expect(refusal({ type: 'protobuf', definition: nested(9), messageType: 'M' }, shallow)).toMatch(
      /nested 9 deep, more than 8/,
    );
    refusal({ type: 'protobuf', definition: nested(1000), messageType: 'M' });

    const chain = (length: number) =>
      `syntax = "proto3"; ${Array.from({ length }, (_, i) =>
        i + 1 < length ? `message M${i} { M${i + 1} next = 1; }` : `message M${i} { int32 x = 1; }`,
      ).join(' ')}`;
    expect(protoSchema(chain(32), 'M0').messageType).toBe('M0');
    expect(refusal({ type: 'protobuf', definition: chain(33), messageType: 'M0' })).toMatch(
      /33 fields deep/,
    );

    const recursive = `syntax = "proto3";
      message Tree { repeated Tree children = 1; Leaf leaf = 2; }
      message Leaf { Tree back = 1; string name = 2; }`;
    const tree = protoSchema(recursive, 'Tree');
    expect(tree.validate(Uint8Array.from([0x0a, 0x02, 0x0a, 0x00]))).toBeUndefined();
  });

  it('[SCHEMA-1] fingerprints ignore whitespace and comments, not content or message type', () => {
    const spaced = SHOP.replace('message Item {', '// an item\nmessage   Item\n{').replaceAll(
      '  ',
      '\t',
    );
    expect(protoSchema(spaced).fingerprint).toBe(order.fingerprint);
    expect(protoSchema(SHOP.replace('double price', 'float price')).fingerprint).not.toBe(
      order.fingerprint,
    );
    expect(protoSchema(SHOP, 'shop.Item').fingerprint).not.toBe(order.fingerprint);
    expect(order.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('[SCHEMA-5] validates any message encoded from the type (property)', () => {
    const item = fc.record({
      sku: fc.string(),
      quantity: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    });
    const orders = fc.record({
      id: fc.maxSafeInteger(),
      items: fc.array(item, { maxLength: 5 }),
      price: fc.double(),
      status: fc.constantFrom(0, 1),
      counts: fc.dictionary(fc.string(), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
    });
    fc.assert(
      fc.property(orders, (value) => {
        expect(order.validate(Order.encode(Order.fromObject(value)).finish())).toBeUndefined();
      }),
    );
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
