import type { SchemaAddVersionFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import { definitionText } from '../../broker/schemas/definition-text.js';
import type { Connection } from '../types.js';

/** Adds a schema's next version, checked against its compatibility. [SCHEMA-1] [SCHEMA-3] */
export async function schemaAddVersion(
  core: BrokerCore,
  conn: Connection,
  frame: SchemaAddVersionFrame,
): Promise<void> {
  const info = await core.schemas.addVersion(
    frame.name,
    definitionText(frame.definition),
    frame.messageType,
  );
  conn.send({ type: 'schema', id: frame.id, info });
}
