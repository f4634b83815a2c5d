/** A group member that takes every message of the run and acks each one. */
import type { Client } from '@ferry/node';
import type { Check } from '../outcomes.js';
import { seqOf } from '../payload.js';
import type { Received } from '../received.js';
import { Window } from '../window.js';

export interface ConsumeLoopOptions {
  station: string;
  group: string;
  prefetch: number;
  ackWindow: number;
  /** Called for each message's first delivery, with when it was handed to the application. */
  onMessage?: (payload: Uint8Array, receivedAt: number) => void;
}

/**
 * Subscribes, then runs the loop: `done` settles once every message has arrived and every ack
 * is confirmed by the broker, with at most `ackWindow` acks unconfirmed at a time.
 */
export async function startConsumeLoop(
  client: Client,
  received: Received,
  options: ConsumeLoopOptions,
): Promise<{ done: Promise<Check[]> }> {
  const consumer = await client.consume(options.station, {
    group: options.group,
    start: 'earliest',
    prefetch: options.prefetch,
  });
  const acks = new Window(options.ackWindow);
  const loop = async (): Promise<Check[]> => {
    if (!received.complete) {
      for await (const message of consumer) {
        const receivedAt = performance.now();
        if (received.add(seqOf(message.payload))) options.onMessage?.(message.payload, receivedAt);
        if (acks.full) await acks.room();
        acks.track(message.ack());
        if (received.complete) {
          await acks.empty();
          break;
        }
      }
    }
    await acks.empty();
    return consumedChecks(options.group, received, acks);
  };
  return { done: loop() };
}

export function consumedChecks(group: string, received: Received, acks: Window): Check[] {
  const detail = acks.firstError === undefined ? {} : { detail: String(acks.firstError) };
  return [
    { what: `${group} received`, expected: received.expected, actual: received.distinct },
    { what: `${group} strays`, expected: 0, actual: received.strays },
    {
      what: `${group} acks confirmed`,
      expected: received.distinct + received.duplicates,
      actual: acks.fulfilled,
      ...detail,
    },
  ];
}
