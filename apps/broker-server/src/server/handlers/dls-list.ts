import type { DlsListFrame } from '@ferry/protocol';
import type { DeadLetterRecord } from '../../backend/types.js';
import type { BrokerCore } from '../../broker/core.js';
import { FrameBudget, msgpackSizeBound } from '../../broker/frame-budget.js';
import type { Connection } from '../types.js';

/** A page of the station's dead-letter entries, in id order, within maxFrameBytes. [DLS-2] [LIMITS-1] */
export async function dlsList(
  core: BrokerCore,
  conn: Connection,
  frame: DlsListFrame,
): Promise<void> {
  const station = core.stations.get(frame.station);
  const budget = new FrameBudget(core.limits.maxFrameBytes);
  const options: {
    after?: number;
    group?: string;
    limit: number;
    admit: (entry: DeadLetterRecord) => boolean;
  } = {
    limit: Math.min(frame.limit ?? core.limits.maxListItems, core.limits.maxListItems),
    admit: (entry) => budget.take(msgpackSizeBound(entry)),
  };
  if (frame.after !== undefined) options.after = frame.after;
  if (frame.group !== undefined) options.group = frame.group;
  const page = await station.backend.deadLetters.list(options);
  conn.send({ type: 'dlsEntries', id: frame.id, entries: page.entries, more: page.more });
}
