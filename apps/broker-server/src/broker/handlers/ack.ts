import type { AckFrame } from '@ferry/protocol';
import type { Connection } from '../../server/types.js';
import type { BrokerCore } from '../core.js';
import { settleReply } from './settle-reply.js';

export async function ack(core: BrokerCore, conn: Connection, frame: AckFrame): Promise<void> {
  const { member, coordinator } = core.groups.member(conn, frame.sid);
  settleReply(conn, frame.id, frame.sid, await coordinator.ack(member, frame.refs));
}
