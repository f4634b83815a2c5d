/**
 * A durable pull consumer in callback mode with the client's defaults: `consume({ callback })`,
 * acking each message in the callback, the counterpart of Ferry's handler mode.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Check } from '../outcomes.js';
import { seqOf } from '../payload.js';
import type { Received } from '../received.js';
import { consumedChecks } from './consume-loop.js';
import { acksProcessed } from './target.js';

/** `done` settles once every message has arrived and the server has processed every ack. */
export async function startConsumeHandler(
  nc: NatsConnection,
  received: Received,
  options: {
    stream: string;
    consumer: string;
    maxMessages?: number;
    /** Called for each message's first delivery, with when it was handed to the callback. */
    onMessage?: (payload: Uint8Array, receivedAt: number) => void;
  },
): Promise<{ done: Promise<Check[]> }> {
  const jsm = await jetstreamManager(nc);
  const consumer = await jetstream(nc).consumers.get(options.stream, options.consumer);
  let acks = 0;
  const messages = await consumer.consume({
    ...(options.maxMessages === undefined ? {} : { max_messages: options.maxMessages }),
    callback: (message) => {
      const receivedAt = performance.now();
      if (received.add(seqOf(message.data))) options.onMessage?.(message.data, receivedAt);
      message.ack();
      acks += 1;
    },
  });
  const run = async (): Promise<Check[]> => {
    await received.whenComplete();
    await acksProcessed(jsm, options.stream, options.consumer, received.expected);
    await messages.close();
    return consumedChecks(options.consumer, received, acks);
  };
  return { done: run() };
}
