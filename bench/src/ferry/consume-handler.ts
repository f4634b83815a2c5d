/**
 * A group member in handler mode, as the README documents it: `client.consume(station,
 * { group, handler })` with every other option at its default (prefetch 1,000, concurrency 1).
 * The handler counts the message and returns, so the client acks it.
 */
import type { Client, FerryError } from '@ferry/node';
import type { Check } from '../outcomes.js';
import { seqOf } from '../payload.js';
import type { Received } from '../received.js';

/**
 * Subscribes with the handler: `done` settles once every message has been handled and the
 * consumer has drained, which sends every ack and waits for the broker to confirm it.
 */
export async function startConsumeHandler(
  client: Client,
  received: Received,
  options: {
    station: string;
    group: string;
    concurrency?: number;
    prefetch?: number;
    start?: 'earliest';
    /** Called for each message's first delivery, with when it was handed to the handler. */
    onMessage?: (payload: Uint8Array, receivedAt: number) => void;
  },
): Promise<{ done: Promise<Check[]> }> {
  // A consumer without onError reports its failures (refused acks) as status errors.
  const failures: FerryError[] = [];
  client.onStatus((event) => {
    if (event.type === 'error') failures.push(event.error);
  });
  const { station, group, onMessage, ...tuning } = options;
  const consumer = await client.consume(station, {
    group,
    ...tuning,
    handler: (message) => {
      const receivedAt = performance.now();
      if (received.add(seqOf(message.payload))) onMessage?.(message.payload, receivedAt);
    },
  });
  const run = async (): Promise<Check[]> => {
    await received.whenComplete();
    await consumer.drain();
    return [
      { what: `${options.group} received`, expected: received.expected, actual: received.distinct },
      { what: `${options.group} strays`, expected: 0, actual: received.strays },
      {
        what: `${options.group} consumer failures`,
        expected: 0,
        actual: failures.length,
        ...(failures[0] === undefined ? {} : { detail: String(failures[0]) }),
      },
    ];
  };
  return { done: run() };
}
