import { type DlsResendFrame, FerryError } from '@ferry/protocol';
import type { Connection } from '../../server/types.js';
import type { BrokerCore } from '../core.js';

/**
 * Removes the entries from the dead-letter store and delivers them again to the
 * group that failed each one. [DLS-3] The resend queue is in memory: a resent
 * message not yet acknowledged when the broker stops is not delivered again.
 */
export async function dlsResend(
  core: BrokerCore,
  conn: Connection,
  frame: DlsResendFrame,
): Promise<void> {
  const station = core.stations.get(frame.station);
  core.groups.checkResendRoom(station, frame.ids.length);
  const entries = await station.store.deadLetters.remove(frame.ids);
  if (entries.length === 0 && frame.ids.length > 0)
    throw new FerryError('DEAD_LETTER_NOT_FOUND', 'none of these dead-letter entries exists');
  await core.groups.resend(station, entries);
  conn.send({ type: 'ok', id: frame.id, count: entries.length });
}
