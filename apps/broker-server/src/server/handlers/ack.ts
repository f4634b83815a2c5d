import type { AckFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';
import { settleReply } from './settle-reply.js';
import { Subscriptions } from './subscriptions.js';

export async function ack(core: BrokerCore, conn: Connection, frame: AckFrame): Promise<void> {
  const { member, coordinator } = Subscriptions.of(conn, core.limits.maxSubscriptions).get(
    frame.sid,
  );
  settleReply(conn, frame.id, frame.sid, await coordinator.ack(member, frame.refs));
}
