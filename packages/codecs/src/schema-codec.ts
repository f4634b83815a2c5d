/** The codec for one registered schema version, by its type. */
import { type Codec, codecs } from '@ferry/client';
import { avro } from './avro.js';
import { CodecError } from './errors.js';
import { protobuf } from './protobuf.js';

/**
 * What the decoder needs of a schema version: the shape of `SchemaDefinition` from
 * `@ferry/client` (`client.schemas.get`), or anything else that has these fields.
 */
export interface SchemaVersionLike {
  name: string;
  /** `json`, `protobuf` or `avro`. */
  type: string;
  version: number;
  /** protobuf: the fully qualified message type. */
  messageType?: string | undefined;
  /** The definition's text: JSON Schema, `.proto` text or Avro schema JSON. */
  definition: string;
}

/**
 * A codec for payloads of this schema version. A JSON Schema only validates, so a json version
 * decodes as UTF-8 JSON; what the schema allows was checked by the broker.
 *
 * @throws {CodecError} `SCHEMA_INVALID` when the definition does not compile here, a protobuf
 *   version has no message type, or the type is not one this package knows.
 */
export function codecForSchema(schema: SchemaVersionLike): Codec<unknown> {
  const label = `schema ${schema.name} version ${schema.version}`;
  switch (schema.type) {
    case 'json':
      return codecs.json();
    case 'protobuf':
      if (schema.messageType === undefined) {
        throw new CodecError('SCHEMA_INVALID', `${label} is protobuf but names no message type`);
      }
      return protobuf(schema.definition, schema.messageType);
    case 'avro':
      return avro(schema.definition);
    default:
      throw new CodecError(
        'SCHEMA_INVALID',
        `${label} has type ${schema.type}, which no codec reads`,
      );
  }
}
