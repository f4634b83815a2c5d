import type { UnsubscribeFrame } from '@ferry/protocol';
import type { Connection } from '../../server/types.js';
import type { BrokerCore } from '../core.js';

export function unsubscribe(core: BrokerCore, conn: Connection, frame: UnsubscribeFrame): void {
  core.groups.unsubscribe(conn, frame.sid);
  conn.send({ type: 'ok', id: frame.id });
}
