/**
 * A member of a consumer group: an async iterator and a handler mode over one bounded buffer,
 * flow control by a credit window that settlements refill (credit-window.ts), a stop that
 * confirms its settlements before it unsubscribes, and resubscribing after a reconnect (the
 * group's cursor lives on the broker, so nothing is lost; what was in flight is redelivered).
 * When the server says goingAway, the messages already handed out are still settled on the
 * leaving connection, and the buffered ones are dropped for the broker to redeliver [CLIENT-5].
 */
import { type DeliverFrame, FerryError, type SubscribeOptions } from '@ferry/protocol';
import { bytes, type Codec } from './codecs.js';
import type { Connection, SubscriptionSink } from './connection.js';
import { type ConsumeOptions, startPosition } from './consume-options.js';
import { CreditWindow } from './credit-window.js';
import { type Deferred, deferred } from './deferred.js';
import { abortError, ConnectionError } from './errors.js';
import { HandlerRunner } from './handler-runner.js';
import { Message, type Settlement, type Settler } from './message.js';
import { Settlements } from './settlements.js';
import { withDeadline } from './signals.js';

/**
 * `active`: handing out messages. `draining`: no new ones, running handlers finish.
 * `stopping`: queued settlements go out and get their answers, then the unsubscribe.
 */
type State = 'active' | 'draining' | 'stopping' | 'stopped';

/**
 * A subscription to a station as a member of a group. Iterate it with `for await`, or pass a
 * `handler`. Leaving the loop early (break, throw) stops the consumer: the acks, nacks and
 * dead-letters issued in the loop, awaited or not, are sent and confirmed before it unsubscribes.
 */
export class Consumer<T = Uint8Array> implements AsyncIterable<Message<T>> {
  readonly station: string;
  readonly group: string;
  /** The station's partition count, from the broker. */
  partitions = 0;

  private readonly conn: Connection;
  private readonly options: ConsumeOptions<T>;
  private readonly codec: Codec<T>;
  private readonly sid: number;
  private readonly sink: SubscriptionSink;
  private readonly settler: Settler;
  private readonly settlements: Settlements;
  private readonly credit: CreditWindow;
  private readonly runner: HandlerRunner<T> | undefined;
  private state: State = 'active';
  /** The session the subscription is live in, or undefined between sessions. */
  private liveSession: number | undefined;
  /** Whether messages of `liveSession` are handed out: not once the server is leaving it. */
  private handing = false;
  /** Messages of `liveSession` handed out whose settlement has not gone out yet [CLIENT-5]. */
  private handedOut = 0;
  private readonly buffer: Message<T>[] = [];
  private readonly waiters: Deferred<IteratorResult<Message<T>>>[] = [];
  private endError: Error | undefined;
  /** Set once waiting `next()` calls were ended; later ones see `endError`, then done. */
  private released = false;
  private stopping: Promise<void> | undefined;
  /** Set once the unsubscribe is sent: settling is no longer possible. */
  private unsubscribed = false;
  private readonly stoppedSignal = deferred<Error | undefined>();
  private unlinkSignal: (() => void) | undefined;
  private started = false;

  private constructor(conn: Connection, station: string, options: ConsumeOptions<T>) {
    this.conn = conn;
    this.station = station;
    this.group = options.group;
    this.options = options;
    this.codec = options.codec ?? (bytes as unknown as Codec<T>);
    const prefetch = options.prefetch ?? 1000;
    if (!Number.isInteger(prefetch) || prefetch < 1)
      throw new RangeError('prefetch must be an integer >= 1');
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError('concurrency must be an integer >= 1');
    this.settler = {
      settle: (message, settlement) => this.settle(message, settlement),
      unobserved: (error, message) => this.report(error, message as Message<T>),
    };
    this.sink = {
      deliver: (frame) => this.deliver(frame),
      fail: (error) => this.end(error),
      leaving: () => this.leaving(),
      unsettled: () => (this.unsubscribed || this.state === 'stopped' ? 0 : this.handedOut),
      disconnected: () => this.disconnected(),
      reconnected: () => void this.resubscribe(),
      closed: (error) => this.end(error),
    };
    this.sid = conn.addSink(this.sink);
    this.credit = new CreditWindow(
      Math.min(prefetch, conn.serverLimits.maxCredit),
      (credit) =>
        this.liveSession !== undefined &&
        this.conn.post({ type: 'credit', sid: this.sid, credit }, this.liveSession),
    );
    this.settlements = new Settlements(conn, this.sid, (session, count) => {
      if (session !== this.liveSession) return;
      this.handedOut = Math.max(0, this.handedOut - count);
      // On a leaving session the connection refuses the credit [CLIENT-5].
      if (this.state === 'active') this.credit.settled(count, this.buffer.length === 0);
      this.conn.unsettledChanged();
    });
    this.runner =
      options.handler === undefined
        ? undefined
        : new HandlerRunner(
            options.handler,
            concurrency,
            () => this.take(),
            (error, message) => this.report(error, message),
          );
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
    if (this.runner !== undefined)
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

  /**
   * Settles once the consumer has stopped (unsubscribed, or its subscription ended): with the
   * error that ended it, if one did.
   */
  closed(): Promise<Error | undefined> {
    return this.stoppedSignal.promise;
  }

  /**
   * Leaves gracefully: stops taking messages, waits for running handlers, sends the
   * settlements issued so far and waits for the broker's answers, then unsubscribes. Buffered
   * messages nobody took are redelivered to the group. With `timeoutMs` or `signal`, a drain
   * that takes too long rejects with TIMEOUT or ABORTED, and the consumer stops without
   * waiting for its handlers.
   */
  async drain(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<void> {
    if (this.state === 'active') this.state = 'draining';
    this.release(undefined);
    const graceful = (async () => {
      await this.runner?.whenIdle();
      await this.stop();
    })();
    try {
      await withDeadline(graceful, 'drain', options);
    } catch (error) {
      void this.stop();
      throw error;
    }
  }

  /**
   * Stops now: no more messages are handed out; the settlements already issued are sent and
   * answered before the unsubscribe [CLIENT-2]. Unsettled and buffered messages are
   * redelivered to the group (CONS-8).
   */
  stop(reason?: Error): Promise<void> {
    this.stopping ??= this.shutDown(reason);
    return this.stopping;
  }

  private async shutDown(reason: Error | undefined): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopping';
    this.release(reason);
    // A settlement issued while waiting is waited for too: none may follow the unsubscribe.
    while (this.settlements.busy && this.state === 'stopping') await this.settlements.answered();
    const session = this.liveSession;
    this.unsubscribed = true;
    if (session !== undefined && this.state === 'stopping') {
      await this.conn
        .request({ type: 'unsubscribe', id: 0, sid: this.sid }, { session })
        .catch(() => undefined);
    }
    this.finish(reason);
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
    const options: SubscribeOptions = { credit: this.credit.prefetch };
    const start = startPosition(this.options.start);
    if (start !== undefined) options.start = start;
    if (this.options.ackTimeoutMs !== undefined) options.ackTimeoutMs = this.options.ackTimeoutMs;
    if (this.options.maxDeliveries !== undefined)
      options.maxDeliveries = this.options.maxDeliveries;
    if (this.options.ordering !== undefined) options.ordering = this.options.ordering;
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
    this.credit.restart();
    this.liveSession = session;
    this.handedOut = 0;
    // Not if the server said goingAway (or the session ended) before this ran.
    this.handing = this.conn.connected && this.conn.session === session;
  }

  private async resubscribe(): Promise<void> {
    // Before its first subscription is confirmed, start() is the one subscribing; a consumer
    // on its way out does not come back.
    if (this.state !== 'active' || !this.started) return;
    try {
      await this.subscribe(undefined);
      this.runner?.pump();
    } catch (error) {
      // Lost again before the broker answered: the next reconnect tries again.
      if (error instanceof ConnectionError && error.code === 'CONNECTION_CLOSED') return;
      this.end(error as Error);
    }
  }

  private deliver(frame: DeliverFrame): void {
    const session = this.liveSession;
    // Not handed out any more: the unsubscribe, or the end of a session the server is
    // leaving, returns them to the group.
    if (this.state !== 'active' || session === undefined || !this.handing) return;
    this.credit.delivered(frame.messages.length);
    for (const delivered of frame.messages) {
      this.buffer.push(
        new Message(this.station, this.group, delivered, session, this.codec, this.settler),
      );
    }
    while (this.waiters.length > 0) {
      const message = this.take();
      if (message === undefined) break;
      this.waiters.shift()?.resolve({ done: false, value: message });
    }
    this.runner?.pump();
  }

  /** Hands out the oldest buffered message; its credit comes back once it is settled. */
  private take(): Message<T> | undefined {
    if (this.state !== 'active' || !this.handing) return undefined;
    const message = this.buffer.shift();
    if (message === undefined) return undefined;
    if (message.session === this.liveSession) this.handedOut += 1;
    if (this.buffer.length === 0) this.credit.grant(true);
    return message;
  }

  /** One failure, to the consumer's one place for them [CLIENT-4]. */
  private report(error: unknown, message: Message<T> | undefined): void {
    const { onError } = this.options;
    if (onError === undefined) {
      this.conn.status.emit({ type: 'error', error: asFerryError(error) });
      return;
    }
    try {
      onError(error, message);
    } catch {
      // A throwing callback must not stop the consumer or lose the next report.
    }
  }

  private settle(message: Message<unknown>, settlement: Settlement): Promise<void> {
    if (this.unsubscribed || this.state === 'stopped') {
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

  /**
   * The server said goingAway [CLIENT-5]: buffered messages are dropped and no more are handed
   * out (the broker redelivers them once the connection closes, CONS-8); the session stays
   * live for the settlements of those already handed out.
   */
  private leaving(): void {
    this.buffer.length = 0;
    this.handing = false;
  }

  private disconnected(): void {
    // Buffered messages were in flight on the dead session; the broker redelivers them.
    this.buffer.length = 0;
    this.liveSession = undefined;
    this.handing = false;
    this.handedOut = 0;
  }

  /** The subscription ended without a stop: by the broker, or with the client. */
  private end(error: Error | undefined): void {
    if (this.state === 'stopped') return;
    if (error !== undefined && this.runner !== undefined) this.report(error, undefined);
    this.finish(error);
  }

  /** Hands out nothing more: waiting `next()` calls end (with `error` if there is one). */
  private release(error: Error | undefined): void {
    this.buffer.length = 0;
    if (this.released) return;
    this.released = true;
    this.unlinkSignal?.();
    const waiters = this.waiters.splice(0);
    if (error !== undefined && waiters.length > 0)
      for (const waiter of waiters) waiter.reject(error);
    else {
      this.endError = error;
      for (const waiter of waiters) waiter.resolve({ done: true, value: undefined });
    }
  }

  private finish(error: Error | undefined): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.liveSession = undefined;
    this.release(error);
    this.conn.removeSink(this.sid);
    this.stoppedSignal.resolve(error);
  }
}

function asFerryError(error: unknown): FerryError {
  return error instanceof FerryError
    ? error
    : new FerryError('INTERNAL', `a consumer's handler failed: ${String(error)}`, {
        cause: error,
      });
}
