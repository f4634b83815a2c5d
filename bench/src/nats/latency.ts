/** Scenario c against JetStream: a steady publish rate, end-to-end latency seen by a consumer. */
import { jetstream } from '@nats-io/jetstream';
import { latencySamples, latencyTotal } from '../latency-samples.js';
import type { LatencyOutcome, ReadMode } from '../outcomes.js';
import type { LatencyParams } from '../params.js';
import { payload } from '../payload.js';
import type { Meter } from '../process-stats.js';
import { producedChecks, producePaced } from '../produce-loops.js';
import { Received } from '../received.js';
import { startConsumeHandler } from './consume-handler.js';
import { startConsumeLoop } from './consume-loop.js';
import { createConsumer, createStream, type NatsTarget, open, streamChecks } from './target.js';

const STREAM = 'latency';
const CONSUMER = 'bench';

export async function latency(
  target: NatsTarget,
  params: LatencyParams,
  meter: Meter,
  mode: ReadMode,
): Promise<LatencyOutcome> {
  const producing = await open(target);
  const consuming = await open(target);
  try {
    const subject = await createStream(producing, STREAM, target.replicas);
    await createConsumer(producing, STREAM, CONSUMER);
    const total = latencyTotal(params);
    const { latencies, onMessage } = latencySamples(params);
    const received = new Received(total);
    const loop =
      mode === 'loop'
        ? await startConsumeLoop(consuming, received, {
            stream: STREAM,
            consumer: CONSUMER,
            prefetch: params.prefetch,
            onMessage,
          })
        : await startConsumeHandler(consuming, received, {
            stream: STREAM,
            consumer: CONSUMER,
            onMessage,
          });
    const js = jetstream(producing);
    meter.start();
    const produced = await producePaced(
      (seq) => js.publish(subject, payload(params.payloadBytes, seq, performance.now())),
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
        ...(await streamChecks(producing, STREAM, total, [CONSUMER])),
      ],
    };
  } finally {
    await Promise.all([producing.close(), consuming.close()]);
  }
}
