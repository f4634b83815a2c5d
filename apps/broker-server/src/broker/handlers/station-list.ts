import type { StationListFrame } from '@ferry/protocol';
import type { Connection } from '../../server/types.js';
import type { BrokerCore } from '../core.js';

export function stationList(core: BrokerCore, conn: Connection, frame: StationListFrame): void {
  const limit = Math.min(frame.limit ?? core.limits.maxListItems, core.limits.maxListItems);
  const page = core.stations.list(frame.prefix, frame.after, limit);
  conn.send({
    type: 'stations',
    id: frame.id,
    stations: page.stations.map((s) => core.stations.info(s)),
    more: page.more,
  });
}
