import type { DeadLetterFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';
import { settleReply } from './settle-reply.js';
import { Subscriptions } from './subscriptions.js';

export async function deadLetter(
  core: BrokerCore,
  conn: Connection,
  frame: DeadLetterFrame,
): Promise<void> {
  const { member, coordinator } = Subscriptions.of(conn, core.limits.maxSubscriptions).get(
    frame.sid,
  );
  const invalid = await coordinator.deadLetter(member, frame.refs, frame.reason);
  settleReply(conn, frame.id, frame.sid, invalid);
}
