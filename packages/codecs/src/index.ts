/**
 * Protobuf and Avro payload codecs for the Ferry client, and a decoder that reads each message
 * with the schema version the broker validated it against. A separate package, so that the
 * runtime SDKs, the browser's above all, do not carry protobufjs and avsc.
 *
 * `@ferry/codecs/protobuf` and `@ferry/codecs/avro` hold each codec alone, for a bundle that
 * needs only one.
 *
 * @packageDocumentation
 */
import { avro } from './avro.js';
import { protobuf } from './protobuf.js';

export { avro } from './avro.js';
export { CodecError } from './errors.js';
export { protobuf } from './protobuf.js';
export { codecForSchema, type SchemaVersionLike } from './schema-codec.js';
export {
  SCHEMA_HEADER,
  SCHEMA_VERSION_HEADER,
  type SchemaDecoder,
  type SchemaDecoderOptions,
  type SchemaMessage,
  type SchemaSource,
  schemaDecoder,
} from './schema-decoder.js';

/** The codecs of this package, beside the core's `codecs`: `codecs.protobuf(...)`, `codecs.avro(...)`. */
export const codecs = { protobuf, avro } as const;
