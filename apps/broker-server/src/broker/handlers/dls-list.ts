import type { DlsListFrame } from '@ferry/protocol';
import type { Connection } from '../../server/types.js';
import type { BrokerCore } from '../core.js';

/** A page of the station's dead-letter entries, in id order. [DLS-2] */
export async function dlsList(
  core: BrokerCore,
  conn: Connection,
  frame: DlsListFrame,
): Promise<void> {
  const station = core.stations.get(frame.station);
  const options: { after?: number; group?: string; limit: number } = {
    limit: Math.min(frame.limit ?? core.limits.maxListItems, core.limits.maxListItems),
  };
  if (frame.after !== undefined) options.after = frame.after;
  if (frame.group !== undefined) options.group = frame.group;
  const page = await station.store.deadLetters.list(options);
  conn.send({ type: 'dlsEntries', id: frame.id, entries: page.entries, more: page.more });
}
