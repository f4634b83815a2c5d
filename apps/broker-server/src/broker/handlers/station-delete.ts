import type { StationDeleteFrame } from '@ferry/protocol';
import type { Connection } from '../../server/types.js';
import type { BrokerCore } from '../core.js';

export async function stationDelete(
  core: BrokerCore,
  conn: Connection,
  frame: StationDeleteFrame,
): Promise<void> {
  await core.stations.delete(frame.name);
  core.groups.dropStation(frame.name);
  conn.send({ type: 'ok', id: frame.id });
}
