import type { GroupInfoFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';

/** One consumer group's state. [GROUP-3] */
export async function groupInfo(
  core: BrokerCore,
  conn: Connection,
  frame: GroupInfoFrame,
): Promise<void> {
  const coordinator = await core.groups.find(core.stations.get(frame.station), frame.group);
  conn.send({ type: 'group', id: frame.id, info: await coordinator.info() });
}
