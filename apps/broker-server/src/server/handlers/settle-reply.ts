/** The reply to ack, nack and deadLetter: none for id 0, else ok, or MESSAGE_NOT_PENDING listing the refs that were not in flight. [CONS-4] */
import type { MessageRef } from '@ferry/protocol';
import type { Connection } from '../types.js';

export function settleReply(
  conn: Connection,
  id: number,
  sid: number,
  invalid: MessageRef[],
): void {
  if (id === 0) return;
  if (invalid.length === 0) {
    conn.send({ type: 'ok', id });
    return;
  }
  const refs = invalid
    .slice(0, 10)
    .map((r) => `${r.partition}/${r.offset}`)
    .join(', ');
  conn.sendError(
    id,
    'MESSAGE_NOT_PENDING',
    `${invalid.length} message(s) not in flight to subscription ${sid}: ${refs}${invalid.length > 10 ? ', ...' : ''}`,
    sid,
    invalid,
  );
}
