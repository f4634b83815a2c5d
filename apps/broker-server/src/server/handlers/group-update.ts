import type { GroupUpdateFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import { BrokerError } from '../../broker/errors.js';
import type { Connection } from '../types.js';

/** Sets or removes a consumer group's push endpoint; answers the group's info. [GROUP-6] */
export async function groupUpdate(
  core: BrokerCore,
  conn: Connection,
  frame: GroupUpdateFrame,
): Promise<void> {
  if (frame.push !== undefined && frame.removePush === true)
    throw new BrokerError('INVALID_CONFIG', 'push and removePush exclude each other');
  const station = core.stations.get(frame.station);
  const coordinator =
    frame.push === undefined && frame.removePush !== true
      ? await core.groups.find(station, frame.group)
      : await core.groups.updateGroup(station, frame.group, frame.push);
  conn.send({ type: 'group', id: frame.id, info: await coordinator.info() });
}
