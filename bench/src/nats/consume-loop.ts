/** A durable pull consumer that takes every message of the run and acks each one. */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Check } from '../outcomes.js';
import { seqOf } from '../payload.js';
import type { Received } from '../received.js';
import { acksProcessed } from './target.js';

export interface ConsumeLoopOptions {
  stream: string;
  consumer: string;
  /** Messages the client keeps requested ahead (consume's max_messages). */
  prefetch: number;
  /** Called for each message's first delivery, with when it was handed to the application. */
  onMessage?: (payload: Uint8Array, receivedAt: number) => void;
}

/**
 * Starts consuming, then runs the loop: `done` settles once every message has arrived and the
 * server has processed every ack. `ack()` gets no reply, so the end is found by polling the
 * consumer's info until nothing is pending and its ack floor is the last message.
 */
export async function startConsumeLoop(
  nc: NatsConnection,
  received: Received,
  options: ConsumeLoopOptions,
): Promise<{ done: Promise<Check[]> }> {
  const jsm = await jetstreamManager(nc);
  const consumer = await jetstream(nc).consumers.get(options.stream, options.consumer);
  const messages = await consumer.consume({ max_messages: options.prefetch });
  const loop = async (): Promise<Check[]> => {
    let acks = 0;
    if (!received.complete) {
      for await (const message of messages) {
        const receivedAt = performance.now();
        if (received.add(seqOf(message.data))) options.onMessage?.(message.data, receivedAt);
        message.ack();
        acks += 1;
        if (received.complete) break;
      }
    }
    if (received.complete)
      await acksProcessed(jsm, options.stream, options.consumer, received.expected);
    await messages.close();
    return consumedChecks(options.consumer, received, acks);
  };
  return { done: loop() };
}

/** What a consumer that acks every message it receives must show at the end of its run. */
export function consumedChecks(consumer: string, received: Received, acks: number): Check[] {
  return [
    { what: `${consumer} received`, expected: received.expected, actual: received.distinct },
    { what: `${consumer} strays`, expected: 0, actual: received.strays },
    {
      what: `${consumer} acks sent`,
      expected: received.distinct + received.duplicates,
      actual: acks,
    },
  ];
}
