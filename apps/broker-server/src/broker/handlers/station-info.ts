import type { StationInfoFrame } from '@ferry/protocol';
import type { Connection } from '../../server/types.js';
import type { BrokerCore } from '../core.js';

export function stationInfo(core: BrokerCore, conn: Connection, frame: StationInfoFrame): void {
  conn.send({
    type: 'station',
    id: frame.id,
    info: core.stations.info(core.stations.get(frame.name)),
  });
}
