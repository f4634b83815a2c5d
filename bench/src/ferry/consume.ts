/**
 * Scenario b against Ferry: a backlog written first, then one group member takes and acks it
 * all, in a for-await loop or in handler mode.
 */
import type { ConsumeMode, ConsumeOutcome } from '../outcomes.js';
import type { ConsumeParams } from '../params.js';
import { payload } from '../payload.js';
import type { Meter } from '../process-stats.js';
import { producedChecks, produceWindowed } from '../produce-loops.js';
import { Received } from '../received.js';
import { startConsumeHandler } from './consume-handler.js';
import { startConsumeLoop } from './consume-loop.js';
import { type FerryTarget, open, stationChecks } from './target.js';

const STATION = 'consume';
const GROUP = 'bench';

export async function consume(
  target: FerryTarget,
  params: ConsumeParams,
  meter: Meter,
  mode: ConsumeMode,
): Promise<ConsumeOutcome> {
  const producing = await open(target, STATION);
  const consuming = await open(target);
  try {
    const producer = producing.producer(STATION);
    const produced = await produceWindowed(
      (seq) => producer.produce(payload(params.payloadBytes, seq)),
      { count: params.messages, window: params.window },
    );
    // Made ahead (not timed) so that a handler-mode consumer passes its group and handler only.
    if (mode !== 'loop') await producing.groups.create(STATION, GROUP, { start: 'earliest' });
    const received = new Received(params.messages);
    meter.start();
    const run =
      mode === 'loop'
        ? await startConsumeLoop(consuming, received, {
            station: STATION,
            group: GROUP,
            prefetch: params.prefetch,
            ackWindow: params.ackWindow,
          })
        : await startConsumeHandler(consuming, received, {
            station: STATION,
            group: GROUP,
            ...(mode === 'handler wide'
              ? { concurrency: params.concurrency, prefetch: params.prefetch }
              : {}),
          });
    const consumed = await run.done;
    const seconds = meter.stop();
    return {
      messages: received.distinct,
      redeliveries: received.duplicates,
      seconds,
      checks: [
        ...producedChecks(produced, params.messages),
        ...consumed,
        ...(await stationChecks(producing, STATION, params.messages, [GROUP])),
      ],
    };
  } finally {
    await Promise.all([producing.close(), consuming.close()]);
  }
}
