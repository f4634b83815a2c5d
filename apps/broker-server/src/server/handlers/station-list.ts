import type { StationInfo, StationListFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import { FrameBudget, msgpackSizeBound } from '../../broker/frame-budget.js';
import type { Connection } from '../types.js';

/**
 * A page of the stations the principal may see, in name order, within maxListItems and
 * maxFrameBytes. [LIMITS-1] [SEC-5]
 */
export async function stationList(
  core: BrokerCore,
  conn: Connection,
  frame: StationListFrame,
): Promise<void> {
  const limit = Math.min(frame.limit ?? core.limits.maxListItems, core.limits.maxListItems);
  const page = core.stations.list(frame.prefix, frame.after, limit, (n) => conn.sees(n));
  const budget = new FrameBudget(core.limits.maxFrameBytes);
  const stations: StationInfo[] = [];
  for (const station of page.stations) {
    const info = await core.stations.info(station);
    if (!budget.take(msgpackSizeBound(info))) break;
    stations.push(info);
  }
  const more = page.more || stations.length < page.stations.length;
  conn.send({ type: 'stations', id: frame.id, stations, more });
}
