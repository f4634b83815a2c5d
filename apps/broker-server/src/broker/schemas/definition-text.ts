import { FerryError } from '@ferry/protocol';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A definition as the wire carries it (UTF-8 bytes) as text; anything else is SCHEMA_INVALID. */
export function definitionText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new FerryError('SCHEMA_INVALID', 'the schema definition is not UTF-8 text');
  }
}
