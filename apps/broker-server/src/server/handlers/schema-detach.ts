import type { SchemaDetachFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';

/** Removes a station's schema. [SCHEMA-4] */
export async function schemaDetach(
  core: BrokerCore,
  conn: Connection,
  frame: SchemaDetachFrame,
): Promise<void> {
  const station = await core.stations.attachSchema(frame.station, undefined);
  conn.send({ type: 'station', id: frame.id, info: await core.stations.info(station) });
}
