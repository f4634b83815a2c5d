import type { SchemaCreateFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import { definitionText } from '../../broker/schemas/definition-text.js';
import type { Connection } from '../types.js';

/** Registers a schema with its first version. [SCHEMA-1] [SCHEMA-2] */
export async function schemaCreate(
  core: BrokerCore,
  conn: Connection,
  frame: SchemaCreateFrame,
): Promise<void> {
  const info = await core.schemas.create(frame.name, {
    type: frame.schemaType,
    definition: definitionText(frame.definition),
    ...(frame.messageType === undefined ? {} : { messageType: frame.messageType }),
    ...(frame.compatibility === undefined ? {} : { compatibility: frame.compatibility }),
  });
  conn.send({ type: 'schema', id: frame.id, info });
}
