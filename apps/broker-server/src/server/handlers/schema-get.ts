import type { SchemaGetFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';

export function schemaGet(core: BrokerCore, conn: Connection, frame: SchemaGetFrame): void {
  const { type, version } = core.schemas.get(frame.name, frame.version);
  conn.send({ type: 'schemaVersion', id: frame.id, name: frame.name, schemaType: type, version });
}
