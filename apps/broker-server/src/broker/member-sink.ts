/**
 * What a consumer group delivers to: a protocol connection's subscription today, an HTTP or
 * SSE consumer tomorrow. The group never knows which.
 */
import type { DeliveredMessage } from '@ferry/protocol';

export interface MemberSink {
  /**
   * Hands over messages. Returns false once the sink is over its soft bound: the group stops
   * delivering to it until `drained` resolves.
   */
  deliver(messages: DeliveredMessage[]): boolean;
  /** Resolves when the sink is back under its soft bound (or closed). */
  drained(): Promise<void>;
  /** Set once the sink can take nothing more (its connection closed). */
  readonly closed: boolean;
  /** The broker ended the subscription (its group or station was deleted). */
  ended(reason: string): void;
}
