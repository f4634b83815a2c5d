/** Scenario a with several publishers against JetStream, each its own connection and window. */
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { PublishOutcome } from '../outcomes.js';
import type { SpreadParams } from '../params.js';
import { payload } from '../payload.js';
import type { Meter } from '../process-stats.js';
import { mergeProduced, producedChecks, produceWindowed, shareOf } from '../produce-loops.js';
import { createStream, type NatsTarget, open, streamChecks } from './target.js';

const STREAM = 'publish-spread';

export async function publishSpread(
  target: NatsTarget,
  params: SpreadParams,
  meter: Meter,
): Promise<PublishOutcome> {
  const connections: NatsConnection[] = [];
  try {
    for (let i = 0; i < params.producers; i += 1) connections.push(await open(target));
    const first = connections[0] as NatsConnection;
    const subject = await createStream(first, STREAM, target.replicas);
    meter.start();
    const all = await Promise.all(
      connections.map((nc, i) => {
        const js = jetstream(nc);
        return produceWindowed(
          (seq) => js.publish(subject, payload(params.payloadBytes, seq * params.producers + i)),
          {
            count: shareOf(params.messages, params.producers, i),
            window: params.window,
            maxSeconds: params.maxSeconds,
          },
        );
      }),
    );
    const seconds = meter.stop();
    const produced = mergeProduced(all);
    return {
      messages: produced.acked,
      payloadBytes: params.payloadBytes,
      seconds,
      checks: [
        ...producedChecks(produced, produced.sent),
        ...(await streamChecks(first, STREAM, produced.sent, [])),
      ],
    };
  } finally {
    await Promise.allSettled(connections.map((nc) => nc.close()));
  }
}
