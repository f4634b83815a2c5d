import type { SchemaDeleteFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';

/** Deletes a schema that no station uses. [SCHEMA-9] */
export async function schemaDelete(
  core: BrokerCore,
  conn: Connection,
  frame: SchemaDeleteFrame,
): Promise<void> {
  await core.schemas.delete(frame.name);
  conn.send({ type: 'ok', id: frame.id });
}
