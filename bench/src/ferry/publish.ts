/** Scenario a against Ferry: one producer, a window of unacked produce calls. */

import type { PublishOutcome } from '../outcomes.js';
import type { PublishParams } from '../params.js';
import { payload } from '../payload.js';
import type { Meter } from '../process-stats.js';
import { producedChecks, produceWindowed } from '../produce-loops.js';
import { type FerryTarget, open, stationChecks } from './target.js';

const STATION = 'publish';

export async function publish(
  target: FerryTarget,
  params: PublishParams,
  meter: Meter,
): Promise<PublishOutcome> {
  const client = await open(target, STATION);
  try {
    const producer = client.producer(STATION);
    meter.start();
    const produced = await produceWindowed(
      (seq) => producer.produce(payload(params.payloadBytes, seq)),
      { count: params.messages, window: params.window, maxSeconds: params.maxSeconds },
    );
    const seconds = meter.stop();
    return {
      messages: produced.acked,
      payloadBytes: params.payloadBytes,
      seconds,
      checks: [
        ...producedChecks(produced, produced.sent),
        ...(await stationChecks(client, STATION, produced.sent, [])),
      ],
    };
  } finally {
    await client.close();
  }
}
