import type { ProduceFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import { type Histogram, type Metrics, secondsSince } from '../../metrics.js';
import type { Connection } from '../types.js';

/** From half a millisecond (an append without fsync) up to 10 s (a disk in trouble). */
const PRODUCE_LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export function produceLatency(metrics: Metrics): Histogram {
  return metrics.histogram('ferry_produce_latency_seconds', {
    help: "Time from a produce frame's dispatch to its produceAck being queued: partitioning, the append and the fsync the station's durability waits for",
    buckets: PRODUCE_LATENCY_BUCKETS,
  });
}

export async function produce(
  core: BrokerCore,
  conn: Connection,
  frame: ProduceFrame,
  latency: Histogram,
): Promise<void> {
  const start = performance.now();
  const station = await core.stations.resolve(frame.station);
  const { durability, results } = await core.producer.produce(station, frame.messages);
  conn.send({ type: 'produceAck', id: frame.id, durability, results });
  latency.observe(undefined, secondsSince(start));
  if (results.some((r) => r.kind === 'ok' && !r.duplicate)) core.groups.notify(station.name);
}
