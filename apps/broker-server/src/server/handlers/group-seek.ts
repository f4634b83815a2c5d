import type { GroupSeekFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';

/** Moves a group's cursor, back or forward; answers its info. [GROUP-5] */
export async function groupSeek(
  core: BrokerCore,
  conn: Connection,
  frame: GroupSeekFrame,
): Promise<void> {
  const coordinator = await core.groups.seekGroup(
    core.stations.get(frame.station),
    frame.group,
    frame.to,
    frame.partition,
    frame.force ?? false,
  );
  conn.send({ type: 'group', id: frame.id, info: await coordinator.info() });
}
