/**
 * The HTTP API's OpenAPI 3.1 document, generated from its routes: each route's doc says its
 * summary, query, headers, body and answers; its path parameters come from its pattern and its
 * error answers from its codes, each with the status the spec gives it (ERROR_HTTP_STATUS) and
 * the shared Error schema. The schemas are those of openapi-schemas.ts.
 */
import { ERROR_HTTP_STATUS, type ErrorCode } from '@ferry/protocol';
import { ref, SCHEMAS } from './openapi-schemas.js';
import type { HttpRoute, JsonSchema } from './route.js';

export type OpenApiDocument = Record<string, unknown>;

/** Path parameters the routes use, and what they are; any other is a string. */
const PATH_PARAMS: Record<string, { schema: JsonSchema; description: string }> = {
  station: { schema: { type: 'string' }, description: 'Station name' },
  group: { schema: { type: 'string' }, description: 'Consumer group name' },
  partition: {
    schema: { type: 'integer', minimum: 0, maximum: 4294967295 },
    description: 'Partition number',
  },
  name: { schema: { type: 'string' }, description: 'Schema name' },
  version: { schema: { type: 'string' }, description: 'A version number, or `latest`' },
};

/** The `{name}` segments of a route's path, in order. */
export function pathParams(path: string): string[] {
  return path
    .split('/')
    .filter((s) => s.startsWith('{') && s.endsWith('}'))
    .map((s) => s.slice(1, -1));
}

/** `getStationsByStationGroups` for GET /stations/{station}/groups. */
function operationId(route: HttpRoute): string {
  const words = route.path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => (s.startsWith('{') ? `by-${s.slice(1, -1)}` : s))
    .join('-')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '');
  return [route.method.toLowerCase(), ...words.map((w) => w[0]?.toUpperCase() + w.slice(1))].join(
    '',
  );
}

function content(byType: Record<string, JsonSchema>): Record<string, { schema: JsonSchema }> {
  return Object.fromEntries(Object.entries(byType).map(([type, schema]) => [type, { schema }]));
}

function operation(route: HttpRoute): Record<string, unknown> {
  const { doc } = route;
  const parameters: unknown[] = pathParams(route.path).map((name) => ({
    name,
    in: 'path',
    required: true,
    ...(PATH_PARAMS[name] ?? { schema: { type: 'string' }, description: name }),
  }));
  for (const [name, q] of Object.entries(doc.query ?? {}))
    parameters.push({
      name,
      in: 'query',
      required: q.required === true,
      description: q.description,
      schema: q.schema,
    });
  for (const [name, h] of Object.entries(doc.headers ?? {}))
    parameters.push({ name, in: 'header', description: h.description, schema: h.schema });

  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(doc.responses))
    responses[status] = {
      description: r.description,
      ...(r.content === undefined ? {} : { content: content(r.content) }),
    };
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of doc.errors) {
    const status = ERROR_HTTP_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b))
    responses[String(status)] = {
      description: codes.join(', '),
      content: { 'application/json': { schema: ref('Error') } },
    };

  return {
    operationId: operationId(route),
    summary: doc.summary,
    ...(doc.description === undefined ? {} : { description: doc.description }),
    ...(route.public === true ? { security: [] } : {}),
    ...(parameters.length === 0 ? {} : { parameters }),
    ...(doc.body === undefined
      ? {}
      : { requestBody: { required: doc.bodyOptional !== true, content: content(doc.body) } }),
    responses,
  };
}

/** The document for `routes`, served at /v1/openapi.json and kept in docs/openapi.json. */
export function openApiDocument(routes: readonly HttpRoute[]): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const item = paths[route.path] ?? {};
    item[route.method.toLowerCase()] = operation(route);
    paths[route.path] = item;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Ferry broker HTTP API',
      version: '1',
      description:
        "The broker's HTTP API under /v1 on its HTTP port. Each request is authenticated as a connection's hello is (a Bearer token or JWT, or Basic with a user name and password), checked against the principal's permissions and run through the same handler as the frame of the same name, with the same error codes; an error answers `{ error: { code, message, retriable } }` with the status the protocol's error table gives its code.",
    },
    servers: [{ url: '/v1' }],
    security: [{ bearer: [] }, { basic: [] }],
    paths,
    components: {
      schemas: SCHEMAS,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A token of the broker configuration, or a JWT when the broker takes them',
        },
        basic: { type: 'http', scheme: 'basic', description: 'A user name and password' },
      },
    },
  };
}
