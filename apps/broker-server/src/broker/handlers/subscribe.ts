import type { SubscribeFrame } from '@ferry/protocol';
import type { Connection } from '../../server/types.js';
import type { BrokerCore } from '../core.js';
import { Subscriptions } from './subscriptions.js';

export async function subscribe(
  core: BrokerCore,
  conn: Connection,
  frame: SubscribeFrame,
): Promise<void> {
  const subs = Subscriptions.of(conn, core.limits.maxSubscriptions);
  const { coordinator, partitions } = await subs.add(frame.sid, (sink) =>
    core.groups.join(frame.station, frame.group, frame.options ?? {}, sink),
  );
  conn.send({ type: 'subscribed', id: frame.id, sid: frame.sid, partitions });
  // Deliveries start only after the client has its subscribed frame.
  coordinator.pump();
}
