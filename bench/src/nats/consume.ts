/**
 * Scenario b against JetStream: a backlog written first, then one consumer takes and acks it
 * all, iterating or with a callback.
 */
import { jetstream } from '@nats-io/jetstream';
import type { ConsumeMode, ConsumeOutcome } from '../outcomes.js';
import type { ConsumeParams } from '../params.js';
import { payload } from '../payload.js';
import type { Meter } from '../process-stats.js';
import { producedChecks, produceWindowed } from '../produce-loops.js';
import { Received } from '../received.js';
import { startConsumeHandler } from './consume-handler.js';
import { startConsumeLoop } from './consume-loop.js';
import { createConsumer, createStream, type NatsTarget, open, streamChecks } from './target.js';

const STREAM = 'consume';
const CONSUMER = 'bench';

export async function consume(
  target: NatsTarget,
  params: ConsumeParams,
  meter: Meter,
  mode: ConsumeMode,
): Promise<ConsumeOutcome> {
  const producing = await open(target);
  const consuming = await open(target);
  try {
    const subject = await createStream(producing, STREAM, target.replicas);
    const js = jetstream(producing);
    const produced = await produceWindowed(
      (seq) => js.publish(subject, payload(params.payloadBytes, seq)),
      { count: params.messages, window: params.window },
    );
    await createConsumer(producing, STREAM, CONSUMER);
    const received = new Received(params.messages);
    meter.start();
    const run =
      mode === 'loop'
        ? await startConsumeLoop(consuming, received, {
            stream: STREAM,
            consumer: CONSUMER,
            prefetch: params.prefetch,
          })
        : await startConsumeHandler(consuming, received, {
            stream: STREAM,
            consumer: CONSUMER,
            ...(mode === 'handler wide' ? { maxMessages: params.prefetch } : {}),
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
        ...(await streamChecks(producing, STREAM, params.messages, [CONSUMER])),
      ],
    };
  } finally {
    await Promise.all([producing.close(), consuming.close()]);
  }
}
