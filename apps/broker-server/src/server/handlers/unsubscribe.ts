import type { UnsubscribeFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';
import { Subscriptions } from './subscriptions.js';

export function unsubscribe(core: BrokerCore, conn: Connection, frame: UnsubscribeFrame): void {
  Subscriptions.of(conn, core.limits.maxSubscriptions).remove(frame.sid);
  conn.send({ type: 'ok', id: frame.id });
}
