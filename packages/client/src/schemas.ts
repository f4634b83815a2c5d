/** The schema registry (SCHEMA-1..3, SCHEMA-9): register schemas and versions, read, list, delete. */
import type { SchemaCompatibility, SchemaInfo, SchemaType } from '@ferry/protocol';
import { type CallOptions, call } from './admin.js';
import { text } from './codecs.js';
import type { Connection } from './connection.js';
import { ProtocolViolationError } from './errors.js';

/** A new schema, as {@link Schemas.create} registers it. */
export interface NewSchema {
  /** How the definition is written, and so how payloads are validated. */
  type: SchemaType;
  /** A JSON Schema, a `.proto` text or an Avro schema (JSON), at most `maxSchemaBytes` in UTF-8. */
  definition: string;
  /** protobuf (required there): the fully qualified message type payloads are encoded as. */
  messageType?: string;
  /** What each new version must keep (default `'none'`); json schemas offer `'none'` only. */
  compatibility?: SchemaCompatibility;
}

export interface AddSchemaVersionOptions extends CallOptions {
  /** protobuf: the message type of this version (default: the latest version's). */
  messageType?: string;
}

export interface ListSchemasOptions extends CallOptions {
  /** Schemas per request (the broker caps it at maxListItems). */
  pageSize?: number;
}

/** One version of a schema with its definition, as {@link Schemas.get} returns it. */
export interface SchemaDefinition {
  /** Schema name. */
  name: string;
  /** The schema's type. */
  type: SchemaType;
  /** The version's number, from 1. */
  version: number;
  /** `sha256:` and the hex SHA-256 of the definition's canonical form. */
  fingerprint: string;
  /** When the version was made, in ms since the Unix epoch. */
  createdAt: number;
  /** protobuf: the fully qualified message type payloads are encoded as. */
  messageType?: string;
  /** The definition as it was registered. */
  definition: string;
}

/**
 * The broker's schema registry. A schema has a name, a type and immutable versions numbered
 * from 1; attach one to a station with {@link Stations.attachSchema} to have every produced
 * message validated against it.
 *
 * ```ts
 * await client.schemas.create('orders', {
 *   type: 'json',
 *   definition: JSON.stringify({ type: 'object', required: ['id'] }),
 * });
 * await client.stations.attachSchema('orders', 'orders');
 * const { definition, version } = await client.schemas.get('orders');
 * ```
 */
export class Schemas {
  /** @internal Use `client.schemas`. */
  constructor(private readonly conn: Connection) {}

  /**
   * Registers a schema with its first version. Creating one that exists with the same type and
   * definition is a no-op; otherwise it fails with `SCHEMA_EXISTS`. A definition that does not
   * compile, or that the broker's limits refuse, fails with `SCHEMA_INVALID`, saying why.
   */
  async create(name: string, schema: NewSchema, options: CallOptions = {}): Promise<SchemaInfo> {
    const frame = {
      type: 'schemaCreate' as const,
      id: 0,
      name,
      schemaType: schema.type,
      definition: text.encode(schema.definition),
      ...(schema.messageType === undefined ? {} : { messageType: schema.messageType }),
      ...(schema.compatibility === undefined ? {} : { compatibility: schema.compatibility }),
    };
    return (await this.conn.request(frame, call(options))).info;
  }

  /**
   * Adds the next version. A definition identical to the latest version's adds none and
   * resolves to the schema as it is; one that breaks the schema's compatibility fails with
   * `SCHEMA_INCOMPATIBLE`, naming the first break.
   */
  async addVersion(
    name: string,
    definition: string,
    options: AddSchemaVersionOptions = {},
  ): Promise<SchemaInfo> {
    const frame = {
      type: 'schemaAddVersion' as const,
      id: 0,
      name,
      definition: text.encode(definition),
      ...(options.messageType === undefined ? {} : { messageType: options.messageType }),
    };
    return (await this.conn.request(frame, call(options))).info;
  }

  /** Changes what versions added from now on must keep; `'backward'` on a json schema is `INVALID_CONFIG`. */
  async update(
    name: string,
    settings: { compatibility: SchemaCompatibility },
    options: CallOptions = {},
  ): Promise<SchemaInfo> {
    const frame = {
      type: 'schemaUpdate' as const,
      id: 0,
      name,
      compatibility: settings.compatibility,
    };
    return (await this.conn.request(frame, call(options))).info;
  }

  /** The schema with its versions (without their definitions) and the stations it is attached to. */
  async info(name: string, options: CallOptions = {}): Promise<SchemaInfo> {
    return (await this.conn.request({ type: 'schemaInfo', id: 0, name }, call(options))).info;
  }

  /** One version (default: the latest) with its definition; `SCHEMA_NOT_FOUND` if there is none. */
  async get(name: string, version?: number, options: CallOptions = {}): Promise<SchemaDefinition> {
    const reply = await this.conn.request(
      { type: 'schemaGet', id: 0, name, ...(version === undefined ? {} : { version }) },
      call(options),
    );
    const found = reply.version;
    if (found.definition === undefined)
      throw new ProtocolViolationError('the server sent schemaVersion without its definition');
    return {
      name: reply.name,
      type: reply.schemaType,
      version: found.version,
      fingerprint: found.fingerprint,
      createdAt: found.createdAt,
      ...(found.messageType === undefined ? {} : { messageType: found.messageType }),
      definition: text.decode(found.definition),
    };
  }

  /** Every schema, in name order, fetched a page at a time; listed schemas come without `versions`. */
  async *list(options: ListSchemasOptions = {}): AsyncGenerator<SchemaInfo> {
    let after: string | undefined;
    for (;;) {
      const page = await this.conn.request(
        {
          type: 'schemaList',
          id: 0,
          ...(after === undefined ? {} : { after }),
          ...(options.pageSize === undefined ? {} : { limit: options.pageSize }),
        },
        call(options),
      );
      yield* page.schemas;
      const last = page.schemas.at(-1);
      if (!page.more || last === undefined) return;
      after = last.name;
    }
  }

  /** Deletes the schema with every version; one attached to a station fails with `SCHEMA_IN_USE`. */
  async delete(name: string, options: CallOptions = {}): Promise<void> {
    await this.conn.request({ type: 'schemaDelete', id: 0, name }, call(options));
  }
}
