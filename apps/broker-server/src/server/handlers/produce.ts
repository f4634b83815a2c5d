import type { ProduceFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';

export async function produce(
  core: BrokerCore,
  conn: Connection,
  frame: ProduceFrame,
): Promise<void> {
  const station = await core.stations.resolve(frame.station);
  const { durability, results } = await core.producer.produce(station, frame.messages);
  conn.send({ type: 'produceAck', id: frame.id, durability, results });
  if (results.some((r) => r.kind === 'ok' && !r.duplicate)) core.groups.notify(station.name);
}
