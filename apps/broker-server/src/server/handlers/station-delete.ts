import type { StationDeleteFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';

export async function stationDelete(
  core: BrokerCore,
  conn: Connection,
  frame: StationDeleteFrame,
): Promise<void> {
  // The groups stop delivering before the station's files close under them (none for a
  // station that does not exist or could not be opened; delete answers for those).
  core.groups.dropStation(frame.name);
  await core.stations.delete(frame.name);
  conn.send({ type: 'ok', id: frame.id });
}
