import type { StationDeleteFrame } from '@ferry/protocol';
import type { Connection } from '../../server/types.js';
import type { BrokerCore } from '../core.js';

export async function stationDelete(
  core: BrokerCore,
  conn: Connection,
  frame: StationDeleteFrame,
): Promise<void> {
  core.stations.get(frame.name);
  // The groups stop delivering before the station's files close under them.
  core.groups.dropStation(frame.name);
  await core.stations.delete(frame.name);
  conn.send({ type: 'ok', id: frame.id });
}
