import type { NackFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';
import { settleReply } from './settle-reply.js';
import { Subscriptions } from './subscriptions.js';

export async function nack(core: BrokerCore, conn: Connection, frame: NackFrame): Promise<void> {
  const { member, coordinator } = Subscriptions.of(conn, core.limits.maxSubscriptions).get(
    frame.sid,
  );
  const invalid = await coordinator.nack(member, frame.refs, frame.delayMs ?? 0);
  settleReply(conn, frame.id, frame.sid, invalid);
}
