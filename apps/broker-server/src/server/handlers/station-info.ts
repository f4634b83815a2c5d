import type { StationInfoFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';

export async function stationInfo(
  core: BrokerCore,
  conn: Connection,
  frame: StationInfoFrame,
): Promise<void> {
  const info = await core.stations.info(core.stations.get(frame.name));
  conn.send({ type: 'station', id: frame.id, info });
}
