/** The package's one error class, with codes from the spec's table so callers match on `code`. */
import { FerryError } from '@ferry/client';

/**
 * Why a codec refused a value or a payload, or could not be built.
 *
 * - `SCHEMA_VIOLATION`: the value to encode, or the payload to decode, does not match the schema.
 * - `SCHEMA_INVALID`: the schema itself does not compile (bad `.proto` text, unknown message
 *   type, an Avro schema avsc refuses, a schema type this package does not know).
 * - `SCHEMA_NOT_FOUND`: a message to decode by its headers has no (or a malformed)
 *   `ferry-schema` / `ferry-schema-version` header.
 *
 * None is retriable: the same value, payload or schema fails the same way again.
 */
export class CodecError extends FerryError {
  constructor(
    code: 'SCHEMA_VIOLATION' | 'SCHEMA_INVALID' | 'SCHEMA_NOT_FOUND',
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(code, message, options);
    this.name = 'CodecError';
  }
}

/** The text of a library's error, to put after ours. */
export function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
