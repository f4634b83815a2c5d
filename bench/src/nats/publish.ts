/** Scenario a against JetStream: one publisher, a window of unacked publishes. */
import { jetstream } from '@nats-io/jetstream';
import type { PublishOutcome } from '../outcomes.js';
import type { PublishParams } from '../params.js';
import { payload } from '../payload.js';
import type { Meter } from '../process-stats.js';
import { producedChecks, produceWindowed } from '../produce-loops.js';
import { createStream, type NatsTarget, open, streamChecks } from './target.js';

const STREAM = 'publish';

export async function publish(
  target: NatsTarget,
  params: PublishParams,
  meter: Meter,
): Promise<PublishOutcome> {
  const nc = await open(target);
  try {
    const subject = await createStream(nc, STREAM, target.replicas);
    const js = jetstream(nc);
    meter.start();
    const produced = await produceWindowed(
      (seq) => js.publish(subject, payload(params.payloadBytes, seq)),
      { count: params.messages, window: params.window, maxSeconds: params.maxSeconds },
    );
    const seconds = meter.stop();
    return {
      messages: produced.acked,
      payloadBytes: params.payloadBytes,
      seconds,
      checks: [
        ...producedChecks(produced, produced.sent),
        ...(await streamChecks(nc, STREAM, produced.sent, [])),
      ],
    };
  } finally {
    await nc.close();
  }
}
