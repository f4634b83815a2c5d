import { describe, expect, it } from 'vitest';
import { compile, refusal, utf8 } from './support.js';

const json = (schema: unknown) => compile({ type: 'json', definition: JSON.stringify(schema) });

const order = json({
  type: 'object',
  properties: {
    id: { type: 'string' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: { price: { type: 'number', minimum: 0 } },
        required: ['price'],
      },
    },
  },
  required: ['id'],
  additionalProperties: false,
});

describe('json schemas', () => {
  it('[SCHEMA-5] accepts a matching payload', () => {
    expect(order.validate(utf8('{"id":"o1","items":[{"price":2.5}]}'))).toBeUndefined();
  });

  it('[SCHEMA-5] names the path and the rule of the first error', () => {
    expect(order.validate(utf8('{"id":"o1","items":[{"price":-1}]}'))).toBe(
      '/items/0/price must be >= 0',
    );
    expect(order.validate(utf8('{"items":[]}'))).toBe("/ must have required property 'id'");
    expect(order.validate(utf8('{"id":"o1","extra":1}'))).toBe(
      '/ must NOT have additional properties ("extra")',
    );
  });

  it('[SCHEMA-5] refuses a payload that is not UTF-8 or not JSON', () => {
    expect(order.validate(new Uint8Array([0x22, 0xff, 0x22]))).toBe('the payload is not UTF-8');
    expect(order.validate(utf8('{"id":'))).toMatch(/^the payload is not JSON/);
  });

  it('[SCHEMA-5] checks formats', () => {
    const formats = json({
      type: 'object',
      properties: {
        email: { type: 'string', format: 'email' },
        at: { type: 'string', format: 'date-time' },
        link: { type: 'string', format: 'uri' },
      },
    });
    const good = {
      email: 'a@example.com',
      at: '2024-05-01T10:00:00Z',
      link: 'https://example.com/x',
    };
    expect(formats.validate(utf8(JSON.stringify(good)))).toBeUndefined();
    expect(formats.validate(utf8(JSON.stringify({ ...good, email: 'not-an-email' })))).toBe(
      '/email must match format "email"',
    );
    expect(formats.validate(utf8(JSON.stringify({ ...good, at: '2024-13-01' })))).toBe(
      '/at must match format "date-time"',
    );
    expect(formats.validate(utf8(JSON.stringify({ ...good, link: 'no scheme' })))).toBe(
      '/link must match format "uri"',
    );
  });

  it('[SCHEMA-2] refuses an unknown format and an unknown keyword', () => {
    expect(refusal({ type: 'json', definition: '{"type":"string","format":"colour"}' })).toMatch(
      /colour/,
    );
    expect(refusal({ type: 'json', definition: '{"type":"string","maxLenght":3}' })).toMatch(
      /maxLenght/,
    );
  });

  it('uses draft 2020-12 by default: prefixItems applies, an items array is refused', () => {
    const tuple = json({ type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] });
    expect(tuple.validate(utf8('["a",1]'))).toBeUndefined();
    expect(tuple.validate(utf8('["a","b"]'))).toBe('/1 must be number');
    expect(refusal({ type: 'json', definition: '{"items":[{"type":"string"}]}' })).toMatch(/items/);
  });

  it('uses draft-07 by its $schema: items arrays are tuples, prefixItems is unknown', () => {
    for (const draft of [
      'http://json-schema.org/draft-07/schema#',
      'http://json-schema.org/draft-07/schema',
    ]) {
      const tuple = json({
        $schema: draft,
        type: 'array',
        items: [{ type: 'string' }, { type: 'number' }],
      });
      expect(tuple.validate(utf8('["a",1]'))).toBeUndefined();
      expect(tuple.validate(utf8('["a","b"]'))).toBe('/1 must be number');
      expect(
        refusal({ type: 'json', definition: JSON.stringify({ $schema: draft, prefixItems: [] }) }),
      ).toMatch(/prefixItems/);
    }
  });

  it('[SCHEMA-2] refuses another $schema', () => {
    const definition = JSON.stringify({ $schema: 'http://json-schema.org/draft-04/schema#' });
    expect(refusal({ type: 'json', definition })).toMatch(/draft-04/);
  });

  it('[SCHEMA-2] refuses a definition that is not a JSON object or boolean', () => {
    for (const definition of ['not json', '[]', '42', 'null', '"string"']) {
      refusal({ type: 'json', definition });
    }
    expect(compile({ type: 'json', definition: 'true' }).validate(utf8('[1]'))).toBeUndefined();
    expect(compile({ type: 'json', definition: 'false' }).validate(utf8('1'))).toBe(
      '/ boolean schema is false',
    );
  });

  it('[SCHEMA-2] resolves a local $ref and refuses one the definition does not hold', () => {
    const local = json({
      $defs: { id: { type: 'integer' } },
      properties: { id: { $ref: '#/$defs/id' } },
    });
    expect(local.validate(utf8('{"id":"x"}'))).toBe('/id must be integer');
    expect(
      refusal({ type: 'json', definition: '{"$ref":"https://example.com/schemas/order.json"}' }),
    ).toMatch(/example\.com/);
    refusal({ type: 'json', definition: '{"$ref":"#/$defs/missing"}' });
  });

  it('[SCHEMA-1] fingerprints ignore whitespace and key order, not content', () => {
    const a = compile({ type: 'json', definition: '{"type":"object","required":["id"]}' });
    const b = compile({
      type: 'json',
      definition: '{\n  "required": [ "id" ],\n  "type": "object"\n}',
    });
    const c = compile({ type: 'json', definition: '{"type":"object","required":["name"]}' });
    expect(a.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });

  it('[SCHEMA-3] offers no backward compatibility', () => {
    expect(order.backwardBreak(order)).toMatch(/not offered for JSON Schema/);
  });

  it('keeps the violation text short', () => {
    const long = 'k'.repeat(1000);
    const text = order.validate(utf8(JSON.stringify({ id: 'o', [long]: 1 })));
    expect(text).toMatch(/^\/ must NOT have additional properties/);
    expect(text?.length).toBeLessThanOrEqual(300);
  });

  it('keeps no schema of one compile in another', () => {
    const first = json({ $id: 'https://example.com/a', type: 'string' });
    const second = json({ $id: 'https://example.com/a', type: 'number' });
    expect(first.validate(utf8('"x"'))).toBeUndefined();
    expect(second.validate(utf8('"x"'))).toBe('/ must be number');
  });
});
