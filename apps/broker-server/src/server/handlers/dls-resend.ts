import { type DlsResendFrame, FerryError } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';

/**
 * Delivers the entries again to the group that failed each one. [DLS-3] An
 * entry leaves the store only once its resent message is acknowledged (or
 * dead-lettered anew), so a broker that stops before that loses nothing: the
 * entry is still there to be resent.
 */
export async function dlsResend(
  core: BrokerCore,
  conn: Connection,
  frame: DlsResendFrame,
): Promise<void> {
  const station = core.stations.get(frame.station);
  await core.groups.checkResendRoom(station, frame.ids.length);
  const entries = await station.backend.deadLetters.get(frame.ids);
  if (entries.length === 0 && frame.ids.length > 0)
    throw new FerryError('DEAD_LETTER_NOT_FOUND', 'none of these dead-letter entries exists');
  await core.groups.resend(station, entries);
  conn.send({ type: 'ok', id: frame.id, count: entries.length });
}
