import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile, refusal, utf8 } from './support.js';

const json = (schema: unknown) => compile({ type: 'json', definition: JSON.stringify(schema) });

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

describe('[SCHEMA-2] hostile JSON Schemas', () => {
  it('runs a catastrophic pattern in linear time', () => {
    const schema = json({ type: 'string', pattern: '^(a+)+$' });
    expect(schema.validate(utf8(JSON.stringify(`${'a'.repeat(40)}!`)))).toBe(
      '/ must match pattern "^(a+)+$"',
    );
    expect(schema.validate(utf8('"aaaa"'))).toBeUndefined();
    const keys = json({ type: 'object', patternProperties: { '^(a|aa)+$': { type: 'number' } } });
    expect(keys.validate(utf8(JSON.stringify({ [`${'a'.repeat(40)}`]: 'x' })))).toMatch(
      /must be number/,
    );
  });

  it('refuses backreferences and lookaround, naming the pattern', () => {
    for (const pattern of ['^(a)\\1$', '^(?=a)a$', '(?<!b)a']) {
      expect(refusal({ type: 'json', definition: JSON.stringify({ pattern }) })).toContain(
        JSON.stringify(pattern),
      );
    }
    refusal({ type: 'json', definition: JSON.stringify({ patternProperties: { '(x)\\1': {} } }) });
  });

  it('refuses uniqueItems without a maxItems of at most 1000', () => {
    expect(refusal({ type: 'json', definition: '{"type":"array","uniqueItems":true}' })).toMatch(
      /uniqueItems needs a maxItems of at most 1000/,
    );
    refusal({ type: 'json', definition: '{"uniqueItems":true,"maxItems":1001}' });
    refusal({ type: 'json', definition: '{"properties":{"tags":{"uniqueItems":true}}}' });
    const bounded = json({ type: 'array', uniqueItems: true, maxItems: 1000 });
    expect(bounded.validate(utf8('[1,1]'))).toMatch(/must NOT have duplicate items/);
    expect(
      json({ const: { uniqueItems: true } }).validate(utf8('{"uniqueItems":true}')),
    ).toBeUndefined();
  });

  it('refuses a definition nested deeper than maxDepth', () => {
    const deep = `${'{"items":'.repeat(1000)}{}${'}'.repeat(1000)}`;
    expect(refusal({ type: 'json', definition: deep })).toMatch(/nested deeper than 32/);
    const arrays = `${'{"allOf":['.repeat(20)}{}${']}'.repeat(20)}`;
    refusal({ type: 'json', definition: arrays });
  });

  it('[SCHEMA-8] refuses a payload nested 100000 deep against a recursive schema without throwing', () => {
    const tree = json({
      $defs: { node: { type: 'object', properties: { c: { $ref: '#/$defs/node' } } } },
      $ref: '#/$defs/node',
    });
    const depth = 100_000;
    const payload = utf8(`${'{"c":'.repeat(depth)}{}${'}'.repeat(depth)}`);
    expect(tree.validate(payload)).toMatch(/^validator failed: /);
    expect(tree.validate(utf8('{"c":{"c":{}}}'))).toBeUndefined();
  });
});

describe('[SCHEMA-2] hostile protobuf definitions', () => {
  it('compiles a 200 KB definition of thousands of messages, or refuses it', () => {
    const messages = Array.from(
      { length: 4000 },
      (_, i) => `message M${i} { int32 a = 1; string b = 2; M${(i + 1) % 4000} next = 3; }`,
    );
    const definition = `syntax = "proto3"; package big; ${messages.join('\n')}`;
    expect(definition.length).toBeGreaterThan(200_000);
    try {
      const schema = compile({ type: 'protobuf', definition, messageType: 'big.M0' });
      expect(schema.validate(Uint8Array.from([0x08, 0x01]))).toBeUndefined();
    } catch {
      refusal({ type: 'protobuf', definition, messageType: 'big.M0' });
    }
  });

  it('[SCHEMA-8] refuses a recursive message nested 100000 deep without throwing', () => {
    const node = compile({
      type: 'protobuf',
      definition: 'syntax = "proto3"; message Node { Node child = 1; int32 v = 2; }',
      messageType: 'Node',
    });
    const headers: number[][] = [];
    let length = 0;
    for (let i = 0; i < 100_000; i++) {
      const header = [0x0a, ...varint(length)];
      headers.push(header);
      length += header.length;
    }
    const payload = Uint8Array.from(headers.reverse().flat());
    expect(payload.length).toBe(length);
    expect(node.validate(payload)).toMatch(/does not decode as Node: max depth exceeded/);
  });
});

describe('[SCHEMA-2] hostile avro definitions and payloads', () => {
  it('refuses a record nested 100 deep with maxDepth 32', () => {
    let schema: unknown = 'int';
    for (let i = 0; i < 100; i++) {
      schema = { type: 'record', name: `R${i}`, fields: [{ name: 'f', type: schema }] };
    }
    expect(refusal({ type: 'avro', definition: JSON.stringify(schema) })).toMatch(
      /nested deeper than 32/,
    );
  });

  it('refuses an array of items that take no bytes', () => {
    const definition = JSON.stringify({ type: 'array', items: 'null' });
    expect(refusal({ type: 'avro', definition })).toMatch(/unbounded/);
    const empty = { type: 'array', items: { type: 'record', name: 'E', fields: [] } };
    refusal({ type: 'avro', definition: JSON.stringify(empty) });
  });

  it('[SCHEMA-8] refuses a block count larger than the payload without looping over it', () => {
    const ints = compile({ type: 'avro', definition: '{"type":"array","items":"int"}' });
    const huge = Uint8Array.from([0xfe, 0xff, 0xff, 0xff, 0x0f]);
    expect(ints.validate(huge)).toMatch(/is longer than the 0 bytes left/);
    expect(ints.validate(Uint8Array.from([0x04, 0x02, 0x04, 0x00]))).toBeUndefined();
    const map = compile({ type: 'avro', definition: '{"type":"map","values":"null"}' });
    expect(map.validate(Uint8Array.from([0xfe, 0xff, 0xff, 0xff, 0x0f, 0x00]))).toMatch(
      /longer than/,
    );
    expect(map.validate(Uint8Array.from([0x02, 0x02, 0x6b, 0x00]))).toBeUndefined();
  });

  it('[SCHEMA-8] refuses a linked list nested 100000 deep without throwing', () => {
    const list = compile({
      type: 'avro',
      definition: '{"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]}]}',
    });
    const payload = new Uint8Array(100_001).fill(0x02);
    payload[100_000] = 0x00;
    const result = list.validate(payload);
    expect(
      result === undefined || /^the payload is not one datum|^validator failed/.test(result),
    ).toBe(true);
    expect(list.validate(Uint8Array.from([0x02, 0x00]))).toBeUndefined();
  });
});

describe('[SCHEMA-8] random bytes never make a validator throw', () => {
  const schemas = [
    json({ type: 'object', properties: { a: { type: 'string', pattern: '^x+$' } } }),
    compile({
      type: 'protobuf',
      definition:
        'syntax = "proto3"; message A { repeated A a = 1; string s = 2; map<int32, bytes> m = 3; }',
      messageType: 'A',
    }),
    compile({
      type: 'avro',
      definition:
        '{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":["null","string","R"]}},{"name":"m","type":{"type":"map","values":"long"}}]}',
    }),
  ];
  it('for json, protobuf and avro (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...schemas),
        fc.uint8Array({ maxLength: 300 }),
        (schema, bytes) => {
          const result = schema.validate(bytes);
          expect(result === undefined || (typeof result === 'string' && result.length <= 300)).toBe(
            true,
          );
        },
      ),
      { numRuns: 3000 },
    );
  });
});
