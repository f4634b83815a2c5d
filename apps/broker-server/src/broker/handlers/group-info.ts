import type { GroupInfoFrame } from '@ferry/protocol';
import type { Connection } from '../../server/types.js';
import type { BrokerCore } from '../core.js';

/** One consumer group's state. [GROUP-3] */
export async function groupInfo(
  core: BrokerCore,
  conn: Connection,
  frame: GroupInfoFrame,
): Promise<void> {
  const coordinator = await core.groups.find(core.stations.get(frame.station), frame.group);
  conn.send({ type: 'group', id: frame.id, info: await coordinator.info() });
}
