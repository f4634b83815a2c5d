import type { GroupDeleteFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';

/** Deletes a consumer group, refused while it has members unless forced. [GROUP-2] */
export async function groupDelete(
  core: BrokerCore,
  conn: Connection,
  frame: GroupDeleteFrame,
): Promise<void> {
  const station = core.stations.get(frame.station);
  await core.groups.deleteGroup(station, frame.group, frame.force === true);
  conn.send({ type: 'ok', id: frame.id });
}
