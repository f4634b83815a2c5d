import type { NackFrame } from '@ferry/protocol';
import type { Connection } from '../../server/types.js';
import type { BrokerCore } from '../core.js';
import { settleReply } from './settle-reply.js';
import { Subscriptions } from './subscriptions.js';

export async function nack(core: BrokerCore, conn: Connection, frame: NackFrame): Promise<void> {
  const { member, coordinator } = Subscriptions.of(conn, core.limits.maxSubscriptions).get(
    frame.sid,
  );
  const invalid = await coordinator.nack(member, frame.refs, frame.delayMs ?? 0);
  settleReply(conn, frame.id, frame.sid, invalid);
}
