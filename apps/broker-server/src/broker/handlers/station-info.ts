import type { StationInfoFrame } from '@ferry/protocol';
import type { Connection } from '../../server/types.js';
import type { BrokerCore } from '../core.js';

export async function stationInfo(
  core: BrokerCore,
  conn: Connection,
  frame: StationInfoFrame,
): Promise<void> {
  const info = await core.stations.info(core.stations.get(frame.name));
  conn.send({ type: 'station', id: frame.id, info });
}
