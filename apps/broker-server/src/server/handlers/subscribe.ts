import type { SubscribeFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';
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
