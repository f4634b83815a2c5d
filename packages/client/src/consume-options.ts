/** What `client.consume` takes: the group to join, its settings if it is new, and the consumer's own. */
import { FerryError, type StartPosition } from '@ferry/protocol';
import type { Codec } from './codecs.js';
import type { Message } from './message.js';

/**
 * Where a new group starts: `'earliest'`, `'latest'` (the default), an offset, the last N, or
 * the first message appended at or after a time (a `Date` or milliseconds since the epoch).
 */
export type Start =
  | 'earliest'
  | 'latest'
  | { offset: number }
  | { lastN: number }
  | { time: Date | number };

export interface ConsumeOptions<T = Uint8Array> {
  /** The consumer group; every group gets every message, members of one group share them. */
  group: string;
  /** Where the group starts if this subscription creates it; an existing group resumes. */
  start?: Start;
  /** Redeliver a message not settled within this time (the group's setting when it is created). */
  ackTimeoutMs?: number;
  /** Deliveries before a message goes to the dead-letter store (set when the group is created). */
  maxDeliveries?: number;
  /**
   * How the group shares partitions among its members, set when this subscription creates the
   * group (an existing group keeps its own). `'none'` (the default): every member receives
   * from every partition. `'partition'`: each partition is assigned to one member at a time,
   * so the messages of one partition, and of one key, are processed by one member at a time,
   * in order (redeliveries aside), as in a Kafka consumer group.
   */
  ordering?: 'none' | 'partition';
  /**
   * The most messages delivered to this consumer and not yet settled (acked, nacked or
   * dead-lettered), those buffered and not yet taken included; the broker sends no more until
   * some are settled, as AMQP's basic.qos and JetStream's MaxAckPending do. A message's credit
   * goes back to the broker when it is settled, whatever the broker answers, never when the
   * application merely takes it, so a message never settled holds its place until the group
   * redelivers it elsewhere or the consumer stops. Capped at the broker's maxCredit.
   *
   * Default 1,000, as JetStream's MaxAckPending: the window has to cover the broker's
   * round trip, which includes journaling each delivery durably, or a fast handler waits for
   * the broker. The consumer may hold prefetch × message size in memory: lower it for large
   * messages.
   */
  prefetch?: number;
  /** Decodes `message.data`. Default: the raw bytes. */
  codec?: Codec<T>;
  /** Stops the consumer; a pending `next()` rejects with ABORTED. */
  signal?: AbortSignal;
  /**
   * Handler mode: called for each message, at most `concurrency` calls at once (one after the
   * other by default, in delivery order). When it returns without settling the message, the
   * message is acked; when it throws, the message is nacked (so it counts toward
   * maxDeliveries) and the error goes to `onError`. The next call does not wait for the broker
   * to confirm the previous settlement: settlements are pipelined, and one that fails goes to
   * `onError`.
   */
  handler?: (message: Message<T>) => unknown;
  /** Handler calls running at once. Default 1. */
  concurrency?: number;
  /**
   * Where every failure of this consumer goes, with the message it concerns: a handler that
   * threw; a settlement that failed (refused by the broker, or never sent) and whose promise
   * nothing was waiting on, such as an `ack()` not awaited, or in handler mode the ack or nack
   * the consumer issued; and, in handler mode, the error that ended the subscription (also
   * what `closed()` resolves with). A settlement promise that is awaited rejects instead, and
   * its error is not reported twice. Without `onError`, these are `error` events of
   * `client.onStatus`.
   */
  onError?: (error: unknown, message: Message<T> | undefined) => void;
  /** How long to wait for the broker to confirm the subscription. */
  timeoutMs?: number;
}

export function startPosition(start: Start | undefined): StartPosition | undefined {
  return start === undefined ? undefined : position(start);
}

/** The wire form of a position. */
export function position(start: Start): StartPosition {
  if (start === 'earliest' || start === 'latest') return { kind: start };
  if ('offset' in start) return { kind: 'offset', value: start.offset };
  if ('time' in start) {
    const value = start.time instanceof Date ? start.time.getTime() : start.time;
    if (!Number.isSafeInteger(value) || value < 0)
      throw new FerryError('INVALID_CONFIG', `start time must be a valid date, not ${start.time}`);
    return { kind: 'time', value };
  }
  return { kind: 'lastN', value: start.lastN };
}
