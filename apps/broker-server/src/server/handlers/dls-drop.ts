import { type DlsDropFrame, FerryError } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';

/** Removes the entries for good. [DLS-4] */
export async function dlsDrop(
  core: BrokerCore,
  conn: Connection,
  frame: DlsDropFrame,
): Promise<void> {
  const station = core.stations.get(frame.station);
  const removed = await station.backend.deadLetters.remove(frame.ids);
  if (removed.length === 0 && frame.ids.length > 0)
    throw new FerryError('DEAD_LETTER_NOT_FOUND', 'none of these dead-letter entries exists');
  conn.send({ type: 'ok', id: frame.id, count: removed.length });
}
