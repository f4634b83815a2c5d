/** A delivered message and the three ways to settle it. */
import type { DeliveredMessage } from '@ferry/protocol';
import type { Codec } from './codecs.js';
import { MessageBody } from './stored-message.js';

/** How a message is settled; the consumer turns it into an ack, nack or deadLetter frame. */
export type Settlement =
  | { kind: 'ack' }
  | { kind: 'nack'; delayMs?: number }
  | { kind: 'deadLetter'; reason: string };

/** The consumer side of a message: sends its settlement on the session it arrived in. */
export interface Settler {
  settle(message: Message<unknown>, settlement: Settlement): Promise<void>;
  /** A settlement failed and nothing was waiting on its promise. */
  unobserved(error: unknown, message: Message<unknown>): void;
}

/**
 * The promise a settlement returns. It notes whether anything waits on it (`await`, `then`,
 * `catch` and `finally` all go through `then`), so that a failure nobody waits for reaches the
 * consumer's error callback instead of vanishing [CLIENT-4].
 */
class Outcome extends Promise<undefined> {
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  observed = false;

  // biome-ignore lint/suspicious/noThenProperty: the point of the class is to see `then` called.
  override then<A = undefined, B = never>(
    onFulfilled?: ((value: undefined) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.observed = true;
    return super.then(onFulfilled, onRejected);
  }
}

const ignore = (): void => {};

/** `result` as an {@link Outcome}: never an unhandled rejection, and `unobserved` when nobody waits. */
function watched(result: Promise<void>, unobserved: (error: unknown) => void): Promise<void> {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const outcome = new Outcome((res, rej) => {
    resolve = () => res(undefined);
    reject = rej;
  });
  // Marks the rejection handled without counting as a waiter.
  Promise.prototype.then.call(outcome, undefined, ignore);
  result.then(resolve, (error: unknown) => {
    if (!outcome.observed) unobserved(error);
    reject(error);
  });
  return outcome;
}

export interface NackOptions {
  /** Redeliver no sooner than this many ms from now; default at once. */
  delayMs?: number;
}

/**
 * One delivered message. Settle it exactly once with {@link Message.ack}, {@link Message.nack}
 * or {@link Message.deadLetter}; later calls return the first settlement's promise. An
 * unsettled message is redelivered after the group's ack timeout, and holds its place in the
 * consumer's prefetch window until then.
 *
 * A settlement that fails rejects its promise; if nothing is waiting on that promise when it
 * fails (an `ack()` not awaited), the error goes to the consumer's `onError` instead. Either
 * way it never becomes an unhandled rejection.
 */
export class Message<T = Uint8Array> extends MessageBody<T> {
  readonly group: string;
  /** 1 on the first delivery, one more on each redelivery. */
  readonly deliveryCount: number;
  /** The session it arrived in; settling it on another session is impossible. */
  readonly session: number;

  private readonly settler: Settler;
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
    super(station, delivered.partition, delivered, codec);
    this.group = group;
    this.deliveryCount = delivered.deliveryCount;
    this.session = session;
    this.settler = settler;
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
    this.settlement ??= watched(
      this.settler.settle(this as Message<unknown>, settlement),
      (error) => this.settler.unobserved(error, this as Message<unknown>),
    );
    return this.settlement;
  }
}
