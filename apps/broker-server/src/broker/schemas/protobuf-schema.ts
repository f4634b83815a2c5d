import protobuf from 'protobufjs';
import type { CompiledSchema, SchemaLimits } from './compiled.js';
import { canonicalJson, sha256Fingerprint } from './fingerprint.js';
import { protobufBackwardBreak } from './protobuf-backward.js';
import { declarationDepth, referenceDepth } from './protobuf-depth.js';
import { contained, messageOf, schemaInvalid } from './violation.js';

/** A .proto definition with its message type; payloads must decode as that type (SCHEMA-5). */
export class ProtobufSchema implements CompiledSchema {
  readonly type = 'protobuf';
  readonly fingerprint: string;
  readonly messageType: string;
  readonly validate: (payload: Uint8Array) => string | undefined;

  constructor(
    readonly root: protobuf.Root,
    readonly message: protobuf.Type,
  ) {
    this.messageType = message.fullName.replace(/^\./, '');
    this.fingerprint = sha256Fingerprint(
      canonicalJson({ root: root.toJSON(), messageType: this.messageType }),
    );
    this.validate = contained((payload) => {
      const reader = protobuf.Reader.create(payload);
      try {
        // Unknown fields are skipped, as Protobuf's own rules say; malformed data and missing proto2 required fields throw.
        message.decode(reader);
      } catch (error) {
        return `the payload does not decode as ${this.messageType}: ${messageOf(error)}`;
      }
      return reader.pos === reader.len
        ? undefined
        : `${this.messageType} ends at byte ${reader.pos} of ${reader.len}`;
    });
  }

  backwardBreak(previous: CompiledSchema): string | undefined {
    if (!(previous instanceof ProtobufSchema)) {
      return `the previous version is a ${previous.type} schema, not a protobuf one`;
    }
    return protobufBackwardBreak(this.root, this.message, previous.message);
  }
}

export function compileProtobufSchema(
  definition: string,
  messageType: string | undefined,
  limits: SchemaLimits,
): ProtobufSchema {
  if (messageType === undefined || messageType === '') {
    throw schemaInvalid('a protobuf schema needs its message type');
  }
  const root = new protobuf.Root();
  let imports: string[];
  try {
    const parsed = protobuf.parse(definition, root, { keepCase: true });
    imports = [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])];
  } catch (error) {
    throw schemaInvalid(`the definition does not parse: ${messageOf(error)}`);
  }
  // Looked up before the imports are added, so that it is a type the definition itself declares.
  const declared = root.lookup(messageType.replace(/^\.?/, '.'));
  if (!(declared instanceof protobuf.Type)) {
    throw schemaInvalid(`the definition declares no message type ${messageType}`);
  }
  addWellKnownTypes(root, imports);
  try {
    root.resolveAll();
  } catch (error) {
    throw schemaInvalid(`the definition does not resolve: ${messageOf(error)}`);
  }
  const nesting = declarationDepth(root);
  if (nesting > limits.maxDepth) {
    throw schemaInvalid(`message types are nested ${nesting} deep, more than ${limits.maxDepth}`);
  }
  const references = referenceDepth(declared);
  if (references > limits.maxDepth) {
    throw schemaInvalid(
      `${messageType} reaches message types ${references} fields deep, more than ${limits.maxDepth}`,
    );
  }
  return new ProtobufSchema(root, declared);
}

/** Only Google's well-known types can be imported: there is no file to read any other from. */
function addWellKnownTypes(root: protobuf.Root, imports: string[]): void {
  const common = protobuf.common as unknown as Record<string, protobuf.INamespace>;
  for (const file of new Set(imports)) {
    const wellKnown = Object.hasOwn(common, file) ? common[file] : undefined;
    if (wellKnown?.nested === undefined) {
      throw schemaInvalid(
        `import "${file}" is refused: only Google's well-known types (google/protobuf/*.proto) can be imported`,
      );
    }
    root.addJSON(wellKnown.nested);
  }
}
