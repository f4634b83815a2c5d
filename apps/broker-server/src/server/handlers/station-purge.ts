import type { StationPurgeFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import { BrokerError } from '../../broker/errors.js';
import type { Connection } from '../types.js';

/** Drops a station's messages, or those below an offset, as retention does. [PURGE-1] */
export async function stationPurge(
  core: BrokerCore,
  conn: Connection,
  frame: StationPurgeFrame,
): Promise<void> {
  const station = core.stations.get(frame.name);
  const { partitions } = station.backend.config;
  if (frame.partition !== undefined && frame.partition >= partitions) {
    throw new BrokerError(
      'PARTITION_OUT_OF_RANGE',
      `station '${frame.name}' has partitions 0 to ${partitions - 1}, not ${frame.partition}`,
    );
  }
  const dropped = await station.backend.purge(frame.partition, frame.below);
  // Groups waiting on what was dropped move on to what is left.
  core.groups.notify(frame.name);
  conn.send({ type: 'ok', id: frame.id, count: dropped.reduce((a, b) => a + b, 0) });
}
