/** Scenario c against Ferry: a steady produce rate, end-to-end latency seen by a group member. */

import { latencySamples, latencyTotal } from '../latency-samples.js';
import type { LatencyOutcome, ReadMode } from '../outcomes.js';
import type { LatencyParams } from '../params.js';
import { payload } from '../payload.js';
import type { Meter } from '../process-stats.js';
import { producedChecks, producePaced } from '../produce-loops.js';
import { Received } from '../received.js';
import { startConsumeHandler } from './consume-handler.js';
import { startConsumeLoop } from './consume-loop.js';
import { type FerryTarget, open, stationChecks } from './target.js';

const STATION = 'latency';
const GROUP = 'bench';

export async function latency(
  target: FerryTarget,
  params: LatencyParams,
  meter: Meter,
  mode: ReadMode,
): Promise<LatencyOutcome> {
  const producing = await open(target, STATION);
  const consuming = await open(target);
  try {
    const total = latencyTotal(params);
    const { latencies, onMessage } = latencySamples(params);
    const received = new Received(total);
    const loop =
      mode === 'loop'
        ? await startConsumeLoop(consuming, received, {
            station: STATION,
            group: GROUP,
            prefetch: params.prefetch,
            ackWindow: params.ackWindow,
            onMessage,
          })
        : await startConsumeHandler(consuming, received, {
            station: STATION,
            group: GROUP,
            start: 'earliest',
            onMessage,
          });
    const producer = producing.producer(STATION);
    meter.start();
    const produced = await producePaced(
      (seq) => producer.produce(payload(params.payloadBytes, seq, performance.now())),
      params,
    );
    const consumed = await loop.done;
    meter.stop();
    return {
      latenciesMs: latencies,
      redeliveries: received.duplicates,
      checks: [
        ...producedChecks(produced, total),
        ...consumed,
        ...(await stationChecks(producing, STATION, total, [GROUP])),
      ],
    };
  } finally {
    await Promise.all([producing.close(), consuming.close()]);
  }
}
