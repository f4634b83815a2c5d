/**
 * The schema registry: list, register, read, change and delete schemas, add and read versions,
 * attach a schema to a station and detach it, each the frame of the same name with its codes.
 * The protocol's `schemaType` is `type` in these bodies and answers, and a definition travels as
 * text rather than bytes. [SCHEMA-1] [SCHEMA-2] [SCHEMA-3] [SCHEMA-4] [SCHEMA-9] [SEC-5] [SEC-8]
 */
import {
  FerryError,
  type SchemaCompatibility,
  type SchemaInfo,
  type SchemaMode,
  type SchemaType,
  type ServerFrame,
} from '@ferry/protocol';
import type { HttpExchange } from '../exchange.js';
import { checkJson } from '../json-check.js';
import { ref, SCHEMAS } from '../openapi-schemas.js';
import type { HttpRoute } from '../route.js';
import { ADMIN_BODY_BYTES, adminRoute, defined, parseCount, REQUEST_ERRORS } from './input.js';
import { replyOf } from './reply.js';

const json = (name: string) => ({ 'application/json': ref(name) });

const U32_MAX = 4294967295;

/** What a write to the registry or to a station's settings may fail with besides its own codes. */
const WRITE_ERRORS = [...REQUEST_ERRORS, 'STORAGE_FULL', 'STORAGE_FAILED'] as const;

/**
 * A body holding a definition checked against its schema. A definition may take up to
 * maxSchemaBytes, and JSON escapes a control character in six bytes: the admin limit would
 * refuse definitions a connection may send.
 */
async function schemaBody<T>(x: HttpExchange, name: string): Promise<T> {
  const body = await x.bodyJson(6 * x.limits.maxSchemaBytes + ADMIN_BODY_BYTES);
  return checkJson<T>(body, ref(name), SCHEMAS);
}

/** A SchemaInfo as JSON: `schemaType` is `type`, as in the bodies. */
function schemaJson(info: SchemaInfo): Record<string, unknown> {
  const { name, schemaType, ...rest } = info;
  return { name, type: schemaType, ...rest };
}

function schemaReply(reply: ServerFrame): Record<string, unknown> {
  return schemaJson(replyOf(reply, 'schema').info);
}

/** `{version}`: a version number, or `latest`. */
function versionParam(x: HttpExchange): number | undefined {
  const text = x.param('version');
  return text === 'latest' ? undefined : parseCount(text, 'version', U32_MAX);
}

const utf8 = new TextDecoder();

export const schemaRoutes: HttpRoute[] = [
  adminRoute(
    'GET',
    '/schemas',
    {
      summary: 'List schemas',
      description:
        'Schemas in name order, without their versions, a page at a time: page on with `after` set to the last name of the previous page while `more` is true. Needs no action: producers and consumers read schemas to encode and decode.',
      query: {
        after: { schema: { type: 'string' }, description: 'Only names after this one' },
        limit: {
          schema: { type: 'integer', minimum: 0, maximum: U32_MAX },
          description: 'Most schemas wanted (capped at maxListItems)',
        },
      },
      responses: { 200: { description: 'One page of schemas', content: json('SchemaPage') } },
      errors: REQUEST_ERRORS,
    },
    async (x, q) => {
      const frame = defined({
        type: 'schemaList' as const,
        after: q.string('after'),
        limit: q.u32('limit'),
      });
      const page = replyOf(await x.call(frame), 'schemas');
      x.json(200, { schemas: page.schemas.map(schemaJson), more: page.more });
    },
  ),
  adminRoute(
    'POST',
    '/schemas',
    {
      summary: 'Register a schema',
      description:
        "Registers the schema with its first version (SCHEMA-1). A definition that does not compile, or would make validation unbounded, is SCHEMA_INVALID and registers nothing (SCHEMA-2). Registering a schema that exists with the same type and a definition of its latest version's fingerprint answers it as it is, so the request may be repeated; otherwise it is SCHEMA_EXISTS. The answer is 200 either way. Needs admin on the schema's name.",
      body: json('NewSchema'),
      responses: { 200: { description: 'The schema', content: json('SchemaInfo') } },
      errors: [
        ...WRITE_ERRORS,
        'INVALID_NAME',
        'INVALID_CONFIG',
        'SCHEMA_INVALID',
        'SCHEMA_EXISTS',
        'QUOTA_EXCEEDED',
      ],
    },
    async (x) => {
      const body = await schemaBody<{
        name: string;
        type: SchemaType;
        definition: string;
        messageType?: string;
        compatibility?: SchemaCompatibility;
      }>(x, 'NewSchema');
      const frame = defined({
        type: 'schemaCreate' as const,
        name: body.name,
        schemaType: body.type,
        definition: new TextEncoder().encode(body.definition),
        messageType: body.messageType,
        compatibility: body.compatibility,
      });
      x.json(200, schemaReply(await x.call(frame)));
    },
  ),
  adminRoute(
    'GET',
    '/schemas/{name}',
    {
      summary: 'Read a schema',
      description:
        'The schema with its versions (without their definitions) and the stations it is attached to. Needs no action.',
      responses: { 200: { description: 'The schema', content: json('SchemaInfo') } },
      errors: [...REQUEST_ERRORS, 'SCHEMA_NOT_FOUND'],
    },
    async (x) => {
      x.json(200, schemaReply(await x.call({ type: 'schemaInfo', name: x.param('name') })));
    },
  ),
  adminRoute(
    'PATCH',
    '/schemas/{name}',
    {
      summary: "Change a schema's compatibility",
      description:
        'Sets what versions added from now on must keep (SCHEMA-3); backward on a json schema is INVALID_CONFIG. Needs admin on the schema.',
      body: json('SchemaUpdate'),
      responses: { 200: { description: 'The schema', content: json('SchemaInfo') } },
      errors: [...WRITE_ERRORS, 'SCHEMA_NOT_FOUND', 'INVALID_CONFIG'],
    },
    async (x) => {
      const body = await schemaBody<{ compatibility: SchemaCompatibility }>(x, 'SchemaUpdate');
      const frame = {
        type: 'schemaUpdate' as const,
        name: x.param('name'),
        compatibility: body.compatibility,
      };
      x.json(200, schemaReply(await x.call(frame)));
    },
  ),
  adminRoute(
    'DELETE',
    '/schemas/{name}',
    {
      summary: 'Delete a schema',
      description:
        'Deletes the schema with every version. A schema attached to a station is SCHEMA_IN_USE, naming the stations: detach it first (SCHEMA-9). Needs admin on the schema.',
      responses: { 204: { description: 'Deleted' } },
      errors: [...WRITE_ERRORS, 'SCHEMA_NOT_FOUND', 'SCHEMA_IN_USE'],
    },
    async (x) => {
      replyOf(await x.call({ type: 'schemaDelete', name: x.param('name') }), 'ok');
      x.res.writeHead(204).end();
    },
  ),
  adminRoute(
    'POST',
    '/schemas/{name}/versions',
    {
      summary: 'Add a schema version',
      description:
        "Adds the next version (SCHEMA-1), checked against the schema's compatibility: one that breaks it is SCHEMA_INCOMPATIBLE naming the first break (SCHEMA-3). A definition with the latest version's fingerprint adds none and answers the schema as it is. Needs admin on the schema.",
      body: json('NewSchemaVersion'),
      responses: { 200: { description: 'The schema', content: json('SchemaInfo') } },
      errors: [
        ...WRITE_ERRORS,
        'SCHEMA_NOT_FOUND',
        'SCHEMA_INVALID',
        'SCHEMA_INCOMPATIBLE',
        'QUOTA_EXCEEDED',
      ],
    },
    async (x) => {
      const body = await schemaBody<{ definition: string; messageType?: string }>(
        x,
        'NewSchemaVersion',
      );
      const frame = defined({
        type: 'schemaAddVersion' as const,
        name: x.param('name'),
        definition: new TextEncoder().encode(body.definition),
        messageType: body.messageType,
      });
      x.json(200, schemaReply(await x.call(frame)));
    },
  ),
  adminRoute(
    'GET',
    '/schemas/{name}/versions/{version}',
    {
      summary: 'Read a schema version',
      description:
        'One version, by number or `latest`, with its definition as text. Needs no action.',
      responses: {
        200: { description: 'The version', content: json('SchemaDefinition') },
      },
      errors: [...REQUEST_ERRORS, 'SCHEMA_NOT_FOUND'],
    },
    async (x) => {
      const frame = defined({
        type: 'schemaGet' as const,
        name: x.param('name'),
        version: versionParam(x),
      });
      const reply = replyOf(await x.call(frame), 'schemaVersion');
      const { definition, ...version } = reply.version;
      if (definition === undefined)
        throw new FerryError('INTERNAL', 'schemaVersion came without its definition');
      x.json(200, {
        name: reply.name,
        type: reply.schemaType,
        ...version,
        definition: utf8.decode(definition),
      });
    },
  ),
  adminRoute(
    'PUT',
    '/stations/{station}/schema',
    {
      summary: "Set a station's schema",
      description:
        "Attaches the schema, at `version` or at the latest (resolved at each produce batch), with `mode` (default reject), replacing any (SCHEMA-4): messages produced from the next batch on are validated against it, and a failing one is refused or kept in the station's dead-letter store under group $schema (SCHEMA-6). An unknown schema or version is SCHEMA_NOT_FOUND. Needs admin on the station.",
      body: json('SchemaAttachRequest'),
      responses: { 200: { description: 'The station', content: json('StationInfo') } },
      errors: [...WRITE_ERRORS, 'STATION_NOT_FOUND', 'SCHEMA_NOT_FOUND'],
    },
    async (x) => {
      const body = await schemaBody<{ name: string; version?: number; mode?: SchemaMode }>(
        x,
        'SchemaAttachRequest',
      );
      const frame = defined({
        type: 'schemaAttach' as const,
        station: x.param('station'),
        schema: body.name,
        version: body.version,
        mode: body.mode,
      });
      x.json(200, replyOf(await x.call(frame), 'station').info);
    },
  ),
  adminRoute(
    'DELETE',
    '/stations/{station}/schema',
    {
      summary: "Remove a station's schema",
      description:
        "Detaches the station's schema, if any (SCHEMA-4): produced messages are no longer validated. Answers the station as the frame does (200, not 204). Needs admin on the station.",
      responses: { 200: { description: 'The station', content: json('StationInfo') } },
      errors: [...WRITE_ERRORS, 'STATION_NOT_FOUND'],
    },
    async (x) => {
      const reply = await x.call({ type: 'schemaDetach', station: x.param('station') });
      x.json(200, replyOf(reply, 'station').info);
    },
  ),
];
