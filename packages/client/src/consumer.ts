/**
 * A member of a consumer group: credit-based flow control, an async iterator and a callback
 * mode over the same bounded buffer, and resubscribing after a reconnect (the group's
 * cursor lives on the broker, so nothing is lost; what was in flight is redelivered).
 */
import type { DeliverFrame, FerryError, StartPosition, SubscribeOptions } from '@ferry/protocol';
import { bytes, type Codec } from './codecs.js';
import type { Connection, SubscriptionSink } from './connection.js';
import { type Deferred, deferred } from './deferred.js';
import { abortError, ConnectionError } from './errors.js';
import { Message, type Settlement, type Settler } from './message.js';
import { Settlements } from './settlements.js';

/** Where a new group starts: `'earliest'`, `'latest'` (the default), an offset, or the last N. */
export type Start = 'earliest' | 'latest' | { offset: number } | { lastN: number };

export interface ConsumeOptions<T = Uint8Array> {
  /** The consumer group; every group gets every message, members of one group share them. */
  group: string;
  /** Where the group starts if this subscription creates it; an existing group resumes. */
  start?: Start;
  /** Redeliver a message not settled within this time (the group's setting when it is created). */
  ackTimeoutMs?: number;
  /** Deliveries before a message goes to the dead-letter store (set when the group is created). */
  maxDeliveries?: number;
  /** Messages the broker may send ahead of the application. Default 100. */
  prefetch?: number;
  /** Decodes `message.data`. Default: the raw bytes. */
  codec?: Codec<T>;
  /** Stops the consumer; a pending `next()` rejects with ABORTED. */
  signal?: AbortSignal;
  /**
   * Callback mode: called for each message. When it returns without settling the message, the
   * message is acked; when it throws, the message is nacked (so it counts toward maxDeliveries).
   */
  handler?: (message: Message<T>) => unknown;
  /** Handler calls running at once. Default 1. */
  concurrency?: number;
  /** Called with a handler's error (the message is nacked either way). */
  onHandlerError?: (error: unknown, message: Message<T>) => void;
  /** How long to wait for the broker to confirm the subscription. */
  timeoutMs?: number;
}

export function startPosition(start: Start | undefined): StartPosition | undefined {
  if (start === undefined) return undefined;
  if (start === 'earliest' || start === 'latest') return { kind: start };
  if ('offset' in start) return { kind: 'offset', value: start.offset };
  return { kind: 'lastN', value: start.lastN };
}

type State = 'active' | 'draining' | 'stopped';

/**
 * A subscription to a station as a member of a group. Iterate it with `for await`, or pass a
 * `handler`. Leaving the loop early (break, throw) stops the consumer.
 */
export class Consumer<T = Uint8Array> implements AsyncIterable<Message<T>> {
  readonly station: string;
  readonly group: string;
  /** The station's partition count, from the broker. */
  partitions = 0;

  private readonly conn: Connection;
  private readonly options: ConsumeOptions<T>;
  private readonly codec: Codec<T>;
  private readonly prefetch: number;
  private readonly sid: number;
  private readonly sink: SubscriptionSink;
  private readonly settler: Settler;
  private readonly settlements: Settlements;
  private state: State = 'active';
  /** The session the subscription is live in, or undefined between sessions. */
  private liveSession: number | undefined;
  private readonly buffer: Message<T>[] = [];
  private readonly waiters: Deferred<IteratorResult<Message<T>>>[] = [];
  private ungranted = 0;
  private endError: Error | undefined;
  private running = 0;
  private readonly idle: Deferred<void>[] = [];
  private readonly stoppedSignal = deferred<Error | undefined>();
  private unlinkSignal: (() => void) | undefined;
  private started = false;

  private constructor(conn: Connection, station: string, options: ConsumeOptions<T>) {
    this.conn = conn;
    this.station = station;
    this.group = options.group;
    this.options = options;
    this.codec = options.codec ?? (bytes as unknown as Codec<T>);
    const prefetch = options.prefetch ?? 100;
    if (!Number.isInteger(prefetch) || prefetch < 1)
      throw new RangeError('prefetch must be an integer >= 1');
    this.prefetch = Math.min(prefetch, conn.serverLimits.maxCredit);
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError('concurrency must be an integer >= 1');
    this.settler = { settle: (message, settlement) => this.settle(message, settlement) };
    this.sink = {
      deliver: (frame) => this.deliver(frame),
      fail: (error) => this.end(error),
      disconnected: () => this.disconnected(),
      reconnected: () => void this.resubscribe(),
      closed: (error) => this.end(error),
    };
    this.sid = conn.addSink(this.sink);
    this.settlements = new Settlements(conn, this.sid);
  }

  /** @internal Use `client.consume`; resolves once the broker has confirmed the subscription. */
  static async start<T>(
    conn: Connection,
    station: string,
    options: ConsumeOptions<T>,
  ): Promise<Consumer<T>> {
    const consumer = new Consumer<T>(conn, station, options);
    try {
      // Subscribing is bound to a session: during a reconnect, wait for the next one.
      await conn.whenConnected({
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      });
      await consumer.subscribe(options.signal);
      consumer.started = true;
    } catch (error) {
      conn.removeSink(consumer.sid);
      throw error;
    }
    const { signal } = options;
    if (signal !== undefined) {
      const onAbort = (): void => void consumer.stop(abortError(signal, 'consume'));
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        consumer.unlinkSignal = () => signal.removeEventListener('abort', onAbort);
      }
    }
    return consumer;
  }

  [Symbol.asyncIterator](): AsyncIterator<Message<T>> {
    if (this.options.handler !== undefined)
      throw new TypeError('a consumer with a handler cannot also be iterated');
    return {
      next: () => this.next(),
      return: async () => {
        await this.stop();
        return { done: true, value: undefined };
      },
    };
  }

  /** The next message; waits for one. Resolves done once the consumer has stopped. */
  next(): Promise<IteratorResult<Message<T>>> {
    const message = this.take();
    if (message !== undefined) return Promise.resolve({ done: false, value: message });
    if (this.state !== 'active') return this.finished();
    const waiter = deferred<IteratorResult<Message<T>>>();
    this.waiters.push(waiter);
    return waiter.promise;
  }

  /** Settles once the consumer has stopped: with the error that ended it, if one did. */
  closed(): Promise<Error | undefined> {
    return this.stoppedSignal.promise;
  }

  /**
   * Stops taking messages, waits for running handlers (and their acks) to finish, then
   * unsubscribes. Buffered messages nobody took are redelivered to the group.
   */
  async drain(): Promise<void> {
    if (this.state === 'active') this.state = 'draining';
    while (this.running > 0) {
      const idle = deferred<void>();
      this.idle.push(idle);
      await idle.promise;
    }
    await this.stop();
  }

  /** Unsubscribes now; unsettled and buffered messages are redelivered to the group (CONS-8). */
  async stop(reason?: Error): Promise<void> {
    if (this.state === 'stopped') return;
    const session = this.liveSession;
    this.finish(reason);
    if (session !== undefined) {
      await this.conn
        .request({ type: 'unsubscribe', id: 0, sid: this.sid }, { session })
        .catch(() => undefined);
    }
  }

  private finished(): Promise<IteratorResult<Message<T>>> {
    const error = this.endError;
    this.endError = undefined;
    return error === undefined
      ? Promise.resolve({ done: true, value: undefined })
      : Promise.reject(error);
  }

  private async subscribe(signal: AbortSignal | undefined): Promise<void> {
    const session = this.conn.session;
    const options: SubscribeOptions = { credit: this.prefetch };
    const start = startPosition(this.options.start);
    if (start !== undefined) options.start = start;
    if (this.options.ackTimeoutMs !== undefined) options.ackTimeoutMs = this.options.ackTimeoutMs;
    if (this.options.maxDeliveries !== undefined)
      options.maxDeliveries = this.options.maxDeliveries;
    const subscribed = await this.conn.request(
      {
        type: 'subscribe',
        id: 0,
        sid: this.sid,
        station: this.station,
        group: this.group,
        options,
      },
      {
        session,
        ...(signal === undefined ? {} : { signal }),
        ...(this.options.timeoutMs === undefined ? {} : { timeoutMs: this.options.timeoutMs }),
      },
    );
    this.partitions = subscribed.partitions;
    this.ungranted = 0;
    this.liveSession = session;
  }

  private async resubscribe(): Promise<void> {
    // Before its first subscription is confirmed, start() is the one subscribing.
    if (this.state === 'stopped' || !this.started) return;
    try {
      await this.subscribe(undefined);
      this.pump();
    } catch (error) {
      // Lost again before the broker answered: the next reconnect tries again.
      if (error instanceof ConnectionError && error.code === 'CONNECTION_CLOSED') return;
      this.end(error as Error);
    }
  }

  private deliver(frame: DeliverFrame): void {
    const session = this.liveSession;
    if (this.state === 'stopped' || session === undefined) return;
    for (const delivered of frame.messages) {
      this.buffer.push(
        new Message(this.station, this.group, delivered, session, this.codec, this.settler),
      );
    }
    while (this.waiters.length > 0 && this.state === 'active') {
      const message = this.take();
      if (message === undefined) break;
      this.waiters.shift()?.resolve({ done: false, value: message });
    }
    this.pump();
  }

  /** Hands out the oldest buffered message and returns its credit to the broker. */
  private take(): Message<T> | undefined {
    if (this.state !== 'active') return undefined;
    const message = this.buffer.shift();
    if (message === undefined) return undefined;
    this.ungranted += 1;
    // Granting in halves keeps the broker busy without a credit frame per message; the buffer
    // plus the broker's remaining credit never exceed prefetch, so nothing grows unbounded.
    if (this.ungranted >= Math.max(1, this.prefetch >> 1) && this.liveSession !== undefined) {
      this.conn.post({ type: 'credit', sid: this.sid, credit: this.ungranted }, this.liveSession);
      this.ungranted = 0;
    }
    return message;
  }

  /** Callback mode: starts handlers while there are messages and free slots. */
  private pump(): void {
    const { handler } = this.options;
    if (handler === undefined) return;
    const concurrency = this.options.concurrency ?? 1;
    while (this.running < concurrency) {
      const message = this.take();
      if (message === undefined) return;
      this.running += 1;
      void this.handle(handler, message);
    }
  }

  private async handle(
    handler: (message: Message<T>) => unknown,
    message: Message<T>,
  ): Promise<void> {
    try {
      await handler(message);
      if (!message.settled) await message.ack();
    } catch (error) {
      if (!message.settled) {
        this.options.onHandlerError?.(error, message);
        await message.nack().catch((nackError: FerryError) => this.report(nackError));
      } else if (error instanceof Error && 'code' in error) this.report(error as FerryError);
    } finally {
      this.running -= 1;
      if (this.running === 0) for (const idle of this.idle.splice(0)) idle.resolve();
      this.pump();
    }
  }

  private report(error: FerryError): void {
    this.conn.status.emit({ type: 'error', error });
  }

  private settle(message: Message<unknown>, settlement: Settlement): Promise<void> {
    if (this.state === 'stopped') {
      return Promise.reject(
        new ConnectionError(
          'CONNECTION_CLOSED',
          `the consumer has stopped; the group redelivers ${this.station}/${message.partition}@${message.offset}`,
        ),
      );
    }
    if (message.session !== this.liveSession) {
      return Promise.reject(
        new ConnectionError(
          'CONNECTION_CLOSED',
          `the connection that delivered ${this.station}/${message.partition}@${message.offset} closed; the group redelivers it`,
        ),
      );
    }
    return this.settlements.add(
      { partition: message.partition, offset: message.offset },
      settlement,
      message.session,
    );
  }

  private disconnected(): void {
    // Buffered messages were in flight on the dead session; the broker redelivers them.
    this.buffer.length = 0;
    this.liveSession = undefined;
  }

  /** Ends the consumer with an error its iterator rethrows once. */
  private end(error: Error | undefined): void {
    if (this.state === 'stopped') return;
    this.finish(error);
  }

  private finish(error: Error | undefined): void {
    this.state = 'stopped';
    this.liveSession = undefined;
    this.buffer.length = 0;
    this.unlinkSignal?.();
    this.conn.removeSink(this.sid);
    const waiters = this.waiters.splice(0);
    if (error !== undefined && waiters.length > 0)
      for (const waiter of waiters) waiter.reject(error);
    else {
      this.endError = error;
      for (const waiter of waiters) waiter.resolve({ done: true, value: undefined });
    }
    for (const idle of this.idle.splice(0)) idle.resolve();
    this.stoppedSignal.resolve(error);
  }
}
