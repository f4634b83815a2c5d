import type { StationCreateFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';

export async function stationCreate(
  core: BrokerCore,
  conn: Connection,
  frame: StationCreateFrame,
): Promise<void> {
  const station = await core.stations.create(frame.name, frame.config ?? {});
  conn.send({ type: 'station', id: frame.id, info: await core.stations.info(station) });
}
