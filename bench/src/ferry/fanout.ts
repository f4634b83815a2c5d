/** Scenario d against Ferry: one producer, several groups each taking every message. */
import type { FanoutOutcome, ReadMode } from '../outcomes.js';
import type { FanoutParams } from '../params.js';
import { payload } from '../payload.js';
import type { Meter } from '../process-stats.js';
import { producedChecks, produceWindowed } from '../produce-loops.js';
import { Received } from '../received.js';
import { startConsumeHandler } from './consume-handler.js';
import { startConsumeLoop } from './consume-loop.js';
import { type FerryTarget, open, stationChecks } from './target.js';

const STATION = 'fanout';

export async function fanout(
  target: FerryTarget,
  params: FanoutParams,
  meter: Meter,
  mode: ReadMode,
): Promise<FanoutOutcome> {
  const producing = await open(target, STATION);
  const groups = await Promise.all(
    Array.from({ length: params.groups }, async (_, index) => ({
      name: `group-${index}`,
      // A connection per group, as separate services would have.
      client: await open(target),
      received: new Received(params.messages),
    })),
  );
  try {
    const loops = await Promise.all(
      groups.map((group) =>
        mode === 'loop'
          ? startConsumeLoop(group.client, group.received, {
              station: STATION,
              group: group.name,
              prefetch: params.prefetch,
              ackWindow: params.ackWindow,
            })
          : startConsumeHandler(group.client, group.received, {
              station: STATION,
              group: group.name,
              start: 'earliest',
            }),
      ),
    );
    const producer = producing.producer(STATION);
    meter.start();
    // The clock stops at the last delivery; the last produce ack may come before or after it.
    const delivered = Promise.all(groups.map((group) => group.received.whenComplete())).then(() =>
      meter.stop(),
    );
    const produced = await produceWindowed(
      (seq) => producer.produce(payload(params.payloadBytes, seq)),
      { count: params.messages, window: params.window },
    );
    const checks = producedChecks(produced, params.messages);
    if (produced.failed > 0) return { deliveries: 0, redeliveries: 0, seconds: 0, checks };
    const seconds = await delivered;
    const consumed = await Promise.all(loops.map((loop) => loop.done));
    return {
      deliveries: groups.reduce((sum, group) => sum + group.received.distinct, 0),
      redeliveries: groups.reduce((sum, group) => sum + group.received.duplicates, 0),
      seconds,
      checks: [
        ...checks,
        ...consumed.flat(),
        ...(await stationChecks(
          producing,
          STATION,
          params.messages,
          groups.map((group) => group.name),
        )),
      ],
    };
  } finally {
    await Promise.all([producing.close(), ...groups.map((group) => group.client.close())]);
  }
}
