import type { SchemaUpdateFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';

export async function schemaUpdate(
  core: BrokerCore,
  conn: Connection,
  frame: SchemaUpdateFrame,
): Promise<void> {
  const info = await core.schemas.update(frame.name, frame.compatibility);
  conn.send({ type: 'schema', id: frame.id, info });
}
