/** A delivered message and the three ways to settle it. */
import type { DeliveredMessage } from '@ferry/protocol';
import type { Codec } from './codecs.js';
import { handled } from './deferred.js';

/** How a message is settled; the consumer turns it into an ack, nack or deadLetter frame. */
export type Settlement =
  | { kind: 'ack' }
  | { kind: 'nack'; delayMs?: number }
  | { kind: 'deadLetter'; reason: string };

/** The consumer side of a message: sends its settlement on the session it arrived in. */
export interface Settler {
  settle(message: Message<unknown>, settlement: Settlement): Promise<void>;
}

export interface NackOptions {
  /** Redeliver no sooner than this many ms from now; default at once. */
  delayMs?: number;
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * One delivered message. Settle it exactly once with {@link Message.ack}, {@link Message.nack}
 * or {@link Message.deadLetter}; later calls return the first settlement's promise. An
 * unsettled message is redelivered after the group's ack timeout.
 */
export class Message<T = Uint8Array> {
  readonly station: string;
  readonly group: string;
  readonly partition: number;
  readonly offset: number;
  /** When the broker stored the message, in ms since the epoch. */
  readonly timestamp: number;
  /** 1 on the first delivery, one more on each redelivery. */
  readonly deliveryCount: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly key: string | undefined;
  readonly msgId: string | undefined;
  /** The raw payload bytes. */
  readonly payload: Uint8Array;
  /** The session it arrived in; settling it on another session is impossible. */
  readonly session: number;

  private readonly codec: Codec<T>;
  private readonly settler: Settler;
  private decoded: { value: T } | undefined;
  private settlement: Promise<void> | undefined;

  /** @internal Messages come from a consumer. */
  constructor(
    station: string,
    group: string,
    delivered: DeliveredMessage,
    session: number,
    codec: Codec<T>,
    settler: Settler,
  ) {
    this.station = station;
    this.group = group;
    this.partition = delivered.partition;
    this.offset = delivered.offset;
    this.timestamp = delivered.timestamp;
    this.deliveryCount = delivered.deliveryCount;
    this.headers = delivered.headers ?? {};
    this.key = delivered.key;
    this.msgId = delivered.msgId;
    this.payload = delivered.payload;
    this.session = session;
    this.codec = codec;
    this.settler = settler;
  }

  /** The payload decoded by the consumer's codec (decoded once, on first access). */
  get data(): T {
    if (this.decoded === undefined) this.decoded = { value: this.codec.decode(this.payload) };
    return this.decoded.value;
  }

  /** The payload as UTF-8 text. */
  text(): string {
    return textDecoder.decode(this.payload);
  }

  /** The payload parsed as JSON. */
  json<U = unknown>(): U {
    return JSON.parse(this.text()) as U;
  }

  /** Whether ack, nack or deadLetter was called. */
  get settled(): boolean {
    return this.settlement !== undefined;
  }

  /** Done: the group will not deliver it again. Resolves once the broker has recorded it durably. */
  ack(): Promise<void> {
    return this.settle({ kind: 'ack' });
  }

  /** Not done: redeliver it (to any member of the group), now or after `delayMs`. */
  nack(options: NackOptions = {}): Promise<void> {
    return this.settle(
      options.delayMs === undefined ? { kind: 'nack' } : { kind: 'nack', delayMs: options.delayMs },
    );
  }

  /** Give up on it: move it to the station's dead-letter store with `reason`. */
  deadLetter(reason: string): Promise<void> {
    return this.settle({ kind: 'deadLetter', reason });
  }

  private settle(settlement: Settlement): Promise<void> {
    this.settlement ??= handled(this.settler.settle(this as Message<unknown>, settlement));
    return this.settlement;
  }
}
