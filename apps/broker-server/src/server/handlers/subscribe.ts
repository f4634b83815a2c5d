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
  const options = frame.options ?? {};
  // The member joins without credit: a pump already under way for the group (a wake, another
  // member's ack) could otherwise send it deliveries before its subscribed frame.
  const { coordinator, member, partitions } = await subs.add(frame.sid, (sink) =>
    core.groups.join(frame.station, frame.group, { ...options, credit: 0 }, sink),
  );
  conn.send({ type: 'subscribed', id: frame.id, sid: frame.sid, partitions });
  // Deliveries start only after the client has its subscribed frame.
  member.credit = Math.min(options.credit ?? 0, core.limits.maxCredit);
  coordinator.pump();
}
