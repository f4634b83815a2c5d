import type { SubscribeFrame } from '@ferry/protocol';
import type { Connection } from '../../server/types.js';
import type { BrokerCore } from '../core.js';

export async function subscribe(
  core: BrokerCore,
  conn: Connection,
  frame: SubscribeFrame,
): Promise<void> {
  const { coordinator, partitions } = await core.groups.subscribe(
    conn,
    frame.sid,
    frame.station,
    frame.group,
    frame.options,
  );
  conn.send({ type: 'subscribed', id: frame.id, sid: frame.sid, partitions });
  // Deliveries start only after the client has its subscribed frame.
  coordinator.pump();
}
