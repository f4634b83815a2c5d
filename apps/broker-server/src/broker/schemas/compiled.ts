import { FerryError, type SchemaType } from '@ferry/protocol';
import { compileAvroSchema } from './avro-schema.js';
import { compileJsonSchema } from './json-schema.js';
import { compileProtobufSchema } from './protobuf-schema.js';
import { messageOf, schemaInvalid } from './violation.js';

export interface SchemaLimits {
  /** Deepest nesting a definition may have: JSON depth for json and avro definitions, message nesting for protobuf. Default the caller passes: 32. */
  maxDepth: number;
}

export interface SchemaSource {
  type: SchemaType;
  definition: string;
  messageType?: string;
}

export interface CompiledSchema {
  readonly type: SchemaType;
  /** 'sha256:' + hex SHA-256 of the definition's canonical form, so that whitespace, comment and key-order changes give the same fingerprint. */
  readonly fingerprint: string;
  /** protobuf: the fully qualified message type (a leading '.' stripped). */
  readonly messageType?: string;
  /** undefined when the payload matches; otherwise a short text with the validator's first error. Never throws. */
  validate(payload: Uint8Array): string | undefined;
  /** undefined when this version, as reader, reads everything written with `previous`; otherwise the first break (SCHEMA-3). */
  backwardBreak(previous: CompiledSchema): string | undefined;
}

/** Compiles synchronously, or throws a SCHEMA_INVALID FerryError saying why (SCHEMA-2); never throws anything else. */
export function compileSchema(source: SchemaSource, limits: SchemaLimits): CompiledSchema {
  try {
    return compileByType(source, limits);
  } catch (error) {
    if (error instanceof FerryError && error.code === 'SCHEMA_INVALID') throw error;
    throw schemaInvalid(`the definition does not compile: ${messageOf(error)}`, error);
  }
}

function compileByType(source: SchemaSource, limits: SchemaLimits): CompiledSchema {
  switch (source.type) {
    case 'json':
      return compileJsonSchema(source.definition, limits);
    case 'protobuf':
      return compileProtobufSchema(source.definition, source.messageType, limits);
    case 'avro':
      return compileAvroSchema(source.definition, limits);
    default:
      throw schemaInvalid(`unknown schema type ${JSON.stringify(source.type)}`);
  }
}
