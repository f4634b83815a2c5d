/** Scenario d against JetStream: one publisher, several durable consumers on one stream. */
import { jetstream } from '@nats-io/jetstream';
import type { FanoutOutcome, ReadMode } from '../outcomes.js';
import type { FanoutParams } from '../params.js';
import { payload } from '../payload.js';
import type { Meter } from '../process-stats.js';
import { producedChecks, produceWindowed } from '../produce-loops.js';
import { Received } from '../received.js';
import { startConsumeHandler } from './consume-handler.js';
import { startConsumeLoop } from './consume-loop.js';
import { createConsumer, createStream, type NatsTarget, open, streamChecks } from './target.js';

const STREAM = 'fanout';

export async function fanout(
  target: NatsTarget,
  params: FanoutParams,
  meter: Meter,
  mode: ReadMode,
): Promise<FanoutOutcome> {
  const producing = await open(target);
  const subject = await createStream(producing, STREAM, target.replicas);
  const consumers = await Promise.all(
    Array.from({ length: params.groups }, async (_, index) => {
      const name = `group-${index}`;
      await createConsumer(producing, STREAM, name);
      // A connection per consumer, as separate services would have.
      return { name, nc: await open(target), received: new Received(params.messages) };
    }),
  );
  try {
    const loops = await Promise.all(
      consumers.map((consumer) =>
        mode === 'loop'
          ? startConsumeLoop(consumer.nc, consumer.received, {
              stream: STREAM,
              consumer: consumer.name,
              prefetch: params.prefetch,
            })
          : startConsumeHandler(consumer.nc, consumer.received, {
              stream: STREAM,
              consumer: consumer.name,
            }),
      ),
    );
    const js = jetstream(producing);
    meter.start();
    // The clock stops at the last delivery; the last publish ack may come before or after it.
    const delivered = Promise.all(
      consumers.map((consumer) => consumer.received.whenComplete()),
    ).then(() => meter.stop());
    const produced = await produceWindowed(
      (seq) => js.publish(subject, payload(params.payloadBytes, seq)),
      { count: params.messages, window: params.window },
    );
    const checks = producedChecks(produced, params.messages);
    if (produced.failed > 0) return { deliveries: 0, redeliveries: 0, seconds: 0, checks };
    const seconds = await delivered;
    const consumed = await Promise.all(loops.map((loop) => loop.done));
    return {
      deliveries: consumers.reduce((sum, consumer) => sum + consumer.received.distinct, 0),
      redeliveries: consumers.reduce((sum, consumer) => sum + consumer.received.duplicates, 0),
      seconds,
      checks: [
        ...checks,
        ...consumed.flat(),
        ...(await streamChecks(
          producing,
          STREAM,
          params.messages,
          consumers.map((consumer) => consumer.name),
        )),
      ],
    };
  } finally {
    await Promise.all([producing.close(), ...consumers.map((consumer) => consumer.nc.close())]);
  }
}
