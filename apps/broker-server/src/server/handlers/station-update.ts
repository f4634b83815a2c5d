import type { StationUpdateFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';

export async function stationUpdate(
  core: BrokerCore,
  conn: Connection,
  frame: StationUpdateFrame,
): Promise<void> {
  const station = await core.stations.update(frame.name, frame.config);
  conn.send({ type: 'station', id: frame.id, info: await core.stations.info(station) });
}
