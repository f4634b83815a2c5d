/**
 * The OpenAPI document of the HTTP API: valid OpenAPI 3.1, every route in it with its path
 * parameters and its error codes at the spec's status, every $ref resolving, and the committed
 * docs/openapi.json equal to what the routes generate (`pnpm --filter @ferry/broker openapi`).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_HTTP_STATUS } from '@ferry/protocol';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { checkJson } from '../../src/http/json-check.js';
import { openApiDocument, pathParams } from '../../src/http/openapi.js';
import { SCHEMAS } from '../../src/http/openapi-schemas.js';
import { API_ROUTES } from '../../src/http/routes/index.js';

const FILE = join(dirname(fileURLToPath(import.meta.url)), '../../docs/openapi.json');

type Operation = {
  operationId: string;
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  requestBody?: { required: boolean };
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
};
type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

const doc = openApiDocument(API_ROUTES) as unknown as Doc;

/** Every `$ref` anywhere in `value`. */
function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, found);
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') found.push(v);
      else refs(v, found);
    }
  return found;
}

describe('OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('docs/openapi.json is the document the routes generate (regenerate with `pnpm --filter @ferry/broker openapi`)', () => {
    const committed = JSON.parse(readFileSync(FILE, 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('holds every route once, with a unique operationId', () => {
    const ids = new Set<string>();
    for (const route of API_ROUTES) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      ids.add(op?.operationId ?? '');
    }
    const operations = Object.values(doc.paths).flatMap((item) => Object.values(item));
    expect(operations).toHaveLength(API_ROUTES.length);
    expect(ids.size).toBe(API_ROUTES.length);
  });

  it("declares each route's path parameters, required, and no other", () => {
    for (const route of API_ROUTES) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()] as Operation;
      const inPath = (op.parameters ?? []).filter((p) => p.in === 'path');
      expect(inPath.map((p) => p.name)).toEqual(pathParams(route.path));
      for (const p of inPath) expect(p.required).toBe(true);
    }
  });

  it("answers each route's error codes at the spec's status, with the shared Error schema", () => {
    for (const route of API_ROUTES) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()] as Operation;
      for (const code of route.doc.errors) {
        const response = op.responses[String(ERROR_HTTP_STATUS[code])];
        expect(response?.description, `${route.path} ${code}`).toContain(code);
        expect(response?.content).toEqual({
          'application/json': { schema: { $ref: '#/components/schemas/Error' } },
        });
      }
    }
  });

  it('every $ref resolves to a schema of components.schemas', () => {
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(20);
    for (const ref of all) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[ref.split('/').pop() ?? ''], ref).toBeDefined();
    }
  });

  it('GET /openapi.json is public and the others ask for bearer or basic credentials', () => {
    for (const route of API_ROUTES) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()] as Operation;
      if (route.path === '/openapi.json') expect(op.security).toEqual([]);
      else expect(op.security).toBeUndefined();
    }
    expect((doc as unknown as { security: unknown }).security).toEqual([
      { bearer: [] },
      { basic: [] },
    ]);
  });

  it('an optional body is marked so: PUT /stations/{station} takes none', () => {
    expect(doc.paths['/stations/{station}']?.put?.requestBody?.required).toBe(false);
    expect(doc.paths['/stations/{station}']?.patch?.requestBody?.required).toBe(true);
  });
});

describe('request bodies against their schemas', () => {
  const check = (value: unknown, name: string) =>
    checkJson(value, { $ref: `#/components/schemas/${name}` }, SCHEMAS);
  const refusal = (value: unknown, name: string) => {
    try {
      check(value, name);
    } catch (err) {
      return `${(err as { code: string }).code}: ${(err as Error).message}`;
    }
    return 'accepted';
  };

  it('takes what the schema describes, nested references included', () => {
    const seek = { to: { kind: 'offset', value: 3 }, partition: 1, force: true };
    expect(check(seek, 'SeekRequest')).toEqual(seek);
    const config = { partitions: 2, retention: { maxAgeMs: 1000, ackBased: true } };
    expect(check(config, 'StationConfig')).toEqual(config);
    expect(check({ ids: [1, 2] }, 'DeadLetterIds')).toEqual({ ids: [1, 2] });
  });

  it('refuses unknown fields, wrong types, missing fields and values out of range, naming them', () => {
    expect(refusal({ partitions: 1, partitons: 2 }, 'StationConfig')).toBe(
      'INVALID_FIELD: body.partitons: unknown field',
    );
    expect(refusal({ retention: { maxAgeMs: '1' } }, 'StationConfig')).toBe(
      'INVALID_FIELD: body.retention.maxAgeMs: expected an integer',
    );
    expect(refusal({ partitions: 1.5 }, 'StationConfig')).toBe(
      'INVALID_FIELD: body.partitions: expected an integer',
    );
    expect(refusal({ partitions: -1 }, 'StationConfig')).toBe(
      'INVALID_FIELD: body.partitions: expected at least 0',
    );
    expect(refusal([], 'StationConfig')).toBe('INVALID_FIELD: body: expected an object');
    expect(refusal({}, 'SeekRequest')).toBe('INVALID_FIELD: body.to: missing');
    expect(refusal({ to: null }, 'SeekRequest')).toBe('INVALID_FIELD: body.to: expected an object');
    expect(refusal({ to: { kind: 'first' } }, 'SeekRequest')).toBe(
      'INVALID_FIELD: body.to.kind: expected one of earliest, latest, offset, lastN, time',
    );
    expect(refusal({ ids: [] }, 'DeadLetterIds')).toBe(
      'INVALID_FIELD: body.ids: expected at least 1 item(s)',
    );
    expect(refusal({ ids: [1, 'a'] }, 'DeadLetterIds')).toBe(
      'INVALID_FIELD: body.ids[1]: expected an integer',
    );
    expect(refusal(JSON.parse('{"__proto__": {"x": 1}}'), 'PurgeRequest')).toBe(
      'INVALID_FIELD: body.__proto__: unknown field',
    );
  });
});
