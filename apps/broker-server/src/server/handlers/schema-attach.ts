import type { SchemaAttachFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';

/** Attaches a schema to a station; the next produce batch is checked against it. [SCHEMA-4] */
export async function schemaAttach(
  core: BrokerCore,
  conn: Connection,
  frame: SchemaAttachFrame,
): Promise<void> {
  core.stations.get(frame.station);
  core.schemas.check(frame.schema, frame.version);
  const station = await core.stations.attachSchema(frame.station, {
    name: frame.schema,
    ...(frame.version === undefined ? {} : { version: frame.version }),
    mode: frame.mode ?? 'reject',
  });
  conn.send({ type: 'station', id: frame.id, info: await core.stations.info(station) });
}
