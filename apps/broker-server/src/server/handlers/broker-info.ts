import type { BrokerInfo, BrokerInfoFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import { stationState } from '../../broker/stations/station-state.js';
import { BROKER_VERSION } from '../../version.js';
import type { Connection } from '../types.js';

/**
 * Totals over the stations the principal sees; the connection count only for one that may
 * administer every station, since it tells of clients of stations it does not see. [INFO-1]
 */
export async function brokerInfo(
  core: BrokerCore,
  conn: Connection,
  frame: BrokerInfoFrame,
): Promise<void> {
  const info: BrokerInfo = {
    serverVersion: BROKER_VERSION,
    startedAt: core.startedAt,
    now: Date.now(),
    stations: 0,
    partitions: 0,
    groups: 0,
    members: 0,
    storedMessages: 0,
    storedBytes: 0,
    appended: 0,
    delivered: 0,
    deadLetters: 0,
  };
  const { stations } = core.stations.list(undefined, undefined, Number.POSITIVE_INFINITY, (n) =>
    conn.sees(n),
  );
  for (const station of stations) {
    const state = await stationState(core.stations, station);
    if (state === undefined) continue;
    info.stations++;
    info.partitions += station.backend.config.partitions;
    info.storedMessages += state.messages;
    info.storedBytes += state.bytes;
    info.appended += state.appended;
    info.deadLetters += state.deadLetters;
    for (const group of core.groups.of(station.name)) {
      info.groups++;
      info.members += group.members.length;
      info.delivered += group.delivered;
    }
  }
  if (conn.mayEverywhere('admin')) info.connections = core.connections();
  conn.send({ type: 'broker', id: frame.id, info });
}
