import type { SchemaListFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';

/** A page of schemas, without their versions (a station has one schema, so the stations named stay within the stations there are). */
export function schemaList(core: BrokerCore, conn: Connection, frame: SchemaListFrame): void {
  const limit = Math.min(frame.limit ?? core.limits.maxListItems, core.limits.maxListItems);
  const { schemas, more } = core.schemas.list(frame.after, limit);
  conn.send({ type: 'schemas', id: frame.id, schemas, more });
}
