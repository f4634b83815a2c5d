import avro from 'avsc';
import { boundedTypeHook, zeroSizeArrayItems } from './avro-bounds.js';
import type { CompiledSchema, SchemaLimits } from './compiled.js';
import { jsonDepth } from './definition-depth.js';
import { contained, messageOf, schemaInvalid } from './violation.js';

/** An Avro schema; a payload must be exactly one datum of it in Avro binary encoding (SCHEMA-5). */
export class AvroSchema implements CompiledSchema {
  readonly type = 'avro';
  readonly fingerprint: string;
  readonly validate: (payload: Uint8Array) => string | undefined;

  constructor(readonly avroType: avro.Type) {
    // avsc hashes Avro's Parsing Canonical Form.
    this.fingerprint = `sha256:${avroType.fingerprint('sha256').toString('hex')}`;
    this.validate = contained((payload) => {
      const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      try {
        // fromBuffer throws on invalid data, a truncated datum and trailing bytes.
        avroType.fromBuffer(bytes);
        return undefined;
      } catch (error) {
        return `the payload is not one datum of the schema: ${messageOf(error)}`;
      }
    });
  }

  backwardBreak(previous: CompiledSchema): string | undefined {
    if (!(previous instanceof AvroSchema)) {
      return `the previous version is a ${previous.type} schema, not an avro one`;
    }
    try {
      this.avroType.createResolver(previous.avroType);
      return undefined;
    } catch (error) {
      return `cannot read data written with the previous version: ${messageOf(error)}`;
    }
  }
}

export function compileAvroSchema(definition: string, limits: SchemaLimits): AvroSchema {
  let schema: unknown;
  try {
    schema = JSON.parse(definition);
  } catch (error) {
    throw schemaInvalid(`the definition is not JSON: ${messageOf(error)}`);
  }
  const depth = jsonDepth(schema, limits.maxDepth);
  if (depth > limits.maxDepth) {
    throw schemaInvalid(`the definition is nested deeper than ${limits.maxDepth} levels`);
  }
  let avroType: avro.Type;
  try {
    // A fresh registry per compile (the default), so that no named type of one schema leaks into another.
    avroType = avro.Type.forSchema(schema as avro.Schema, { typeHook: boundedTypeHook });
  } catch (error) {
    throw schemaInvalid(`the definition does not compile: ${messageOf(error)}`);
  }
  const unbounded = zeroSizeArrayItems(avroType);
  if (unbounded !== undefined) {
    throw schemaInvalid(
      `an array of ${unbounded} items, which take no bytes, would make validation unbounded`,
    );
  }
  return new AvroSchema(avroType);
}
