import type { GroupCreateFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';

/** Creates a consumer group without joining it. [GROUP-1] */
export async function groupCreate(
  core: BrokerCore,
  conn: Connection,
  frame: GroupCreateFrame,
): Promise<void> {
  const station = await core.stations.resolve(frame.station);
  const coordinator = await core.groups.createGroup(station, frame.group, frame.options);
  conn.send({ type: 'group', id: frame.id, info: await coordinator.info() });
}
