import type { GroupListFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';

/** A page of a station's consumer groups in name order. [GROUP-3] */
export async function groupList(
  core: BrokerCore,
  conn: Connection,
  frame: GroupListFrame,
): Promise<void> {
  const station = core.stations.get(frame.station);
  const limit = Math.min(frame.limit ?? core.limits.maxListItems, core.limits.maxListItems);
  const page = await core.groups.listGroups(station, frame.after, limit);
  conn.send({ type: 'groups', id: frame.id, groups: page.groups, more: page.more });
}
