import type { SchemaInfoFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';

export function schemaInfo(core: BrokerCore, conn: Connection, frame: SchemaInfoFrame): void {
  conn.send({ type: 'schema', id: frame.id, info: core.schemas.info(frame.name) });
}
