/**
 * Producing to one station. Concurrent `produce` calls are batched into one produce frame
 * (flushed at the end of the tick, or after `lingerMs`), each call resolving to its own ack.
 * Messages in flight are bounded; a caller past the bound waits for room.
 */
import {
  type Durability,
  ERROR_CODES,
  FerryError,
  type Headers,
  isErrorCode,
  type ProduceMessage,
} from '@ferry/protocol';
import { bytes, type Codec } from './codecs.js';
import type { Connection } from './connection.js';
import { type Deferred, deferred, handled } from './deferred.js';
import {
  abortError,
  ClosedError,
  ConnectionError,
  SchemaViolationError,
  ServerError,
  TimeoutError,
} from './errors.js';
import { nextTurn } from './next-turn.js';
import { checkMessage, messageBytes } from './produce-limits.js';
import { withDeadline } from './signals.js';

/** Where the broker stored a message. */
export interface ProduceAck {
  partition: number;
  offset: number;
  /** The msgId was already stored within the dedup window; this is the original's place. */
  duplicate: boolean;
  /** The durability applied before the ack (`always` means fsynced). */
  durability: Durability;
}

/** Per-message options. */
export interface ProduceOptions {
  headers?: Headers;
  /** Picks the partition by a stable hash computed by the broker; same key, same partition. */
  key?: string;
  /** An explicit partition; overrides the key. */
  partition?: number;
  /** Idempotency id: a repeat within the station's dedup window is not stored again. */
  msgId?: string;
  /** Abandons the wait (the message may still be stored if it was already sent). */
  signal?: AbortSignal;
  /** Gives up waiting for the ack after this long. Default: the client's requestTimeoutMs. */
  timeoutMs?: number;
}

/** One message of a {@link Producer.produceBatch}. */
export interface BatchItem<T> extends Omit<ProduceOptions, 'signal' | 'timeoutMs'> {
  value: T;
}

/** The outcome of one message of a batch; `error` is a {@link SchemaViolationError} for a schema mismatch. */
export type BatchResult = { ok: true; ack: ProduceAck } | { ok: false; error: FerryError };

export interface ProducerOptions<T = Uint8Array> {
  /** Encodes values into payloads. Default: values are the payload bytes. */
  codec?: Codec<T>;
  /** How long to hold a batch open for more messages; 0 (the default) sends at the end of the tick. */
  lingerMs?: number;
  /** Messages queued or awaiting their ack before `produce` waits for room. Default 10,000. */
  maxInFlight?: number;
  /** Called for every message that fails, for callers that do not await `produce`. */
  onError?: (error: FerryError) => void;
}

interface Item {
  message: ProduceMessage;
  size: number;
  deadline: number;
  result: Deferred<ProduceAck>;
  signal: AbortSignal | undefined;
}

export class Producer<T = Uint8Array> {
  readonly station: string;

  private readonly conn: Connection;
  private readonly codec: Codec<T>;
  private readonly lingerMs: number;
  private readonly maxInFlight: number;
  private readonly onError: ((error: FerryError) => void) | undefined;
  private queue: Item[] = [];
  private scheduled = false;
  private inFlight = 0;
  /** Produce calls waiting for room: not in flight yet, but flush() waits for them too. */
  private waitingForRoom = 0;
  private readonly roomWaiters: Deferred<void>[] = [];
  private readonly flushWaiters: Deferred<void>[] = [];
  private readonly release: (() => void) | undefined;
  private closing = false;

  /** @internal Use `client.producer`; `release` is called once a closed producer has flushed. */
  constructor(
    conn: Connection,
    station: string,
    options: ProducerOptions<T> = {},
    release?: () => void,
  ) {
    this.conn = conn;
    this.release = release;
    this.station = station;
    this.codec = options.codec ?? (bytes as unknown as Codec<T>);
    this.lingerMs = options.lingerMs ?? 0;
    this.maxInFlight = options.maxInFlight ?? 10_000;
    this.onError = options.onError;
    if (!(this.lingerMs >= 0)) throw new RangeError('lingerMs must be >= 0');
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) {
      throw new RangeError('maxInFlight must be an integer >= 1');
    }
  }

  /** Messages queued or awaiting their ack. */
  get pending(): number {
    return this.inFlight;
  }

  /**
   * Sends one message and resolves with its ack, which the broker sends once the message is
   * as durable as the station requires. A message with a `msgId` is re-sent by itself after
   * a reconnect (the broker's dedup makes that safe); one without fails with
   * CONNECTION_CLOSED if the connection drops before its ack.
   *
   * A message the broker refuses fails with a `ServerError` with its code; one that does not
   * match the station's schema fails with a {@link SchemaViolationError}, whose `deadLetterId`
   * is the dead-letter entry that kept it when the schema is attached in mode `deadletter`.
   */
  produce(value: T, options: ProduceOptions = {}): Promise<ProduceAck> {
    return handled(this.enqueue(value, options));
  }

  /** Sends messages together and reports each one's outcome in order; it never rejects per message. */
  async produceBatch(
    items: readonly BatchItem<T>[],
    options: Pick<ProduceOptions, 'signal' | 'timeoutMs'> = {},
  ): Promise<BatchResult[]> {
    const settled = await Promise.allSettled(
      items.map((item) => this.enqueue(item.value, { ...item, ...options })),
    );
    return settled.map((outcome) =>
      outcome.status === 'fulfilled'
        ? { ok: true, ack: outcome.value }
        : { ok: false, error: asFerryError(outcome.reason) },
    );
  }

  /**
   * Resolves once every message produced so far has its ack or its error. The signal and
   * timeout end the wait (rejecting with ABORTED or TIMEOUT), not the messages.
   */
  flush(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<void> {
    if (this.inFlight === 0 && this.waitingForRoom === 0) return Promise.resolve();
    const waiter = deferred<void>();
    this.flushWaiters.push(waiter);
    return withDeadline(waiter.promise, 'flush', options);
  }

  /**
   * Closes the producer: produce calls from now on reject with CLIENT_CLOSED, and once every
   * message produced before has its ack or its error, the client forgets the producer.
   * Resolves then; the signal and timeout end the wait (ABORTED or TIMEOUT), not the messages.
   */
  close(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      void this.flush().then(() => this.release?.());
    }
    return this.flush(options);
  }

  /** Sends one message; a failure also goes to onError (no extra promise when there is none). */
  private enqueue(value: T, options: ProduceOptions): Promise<ProduceAck> {
    const ack = this.send(value, options);
    const { onError } = this;
    if (onError !== undefined) ack.catch((error: unknown) => onError(asFerryError(error)));
    return ack;
  }

  private async send(value: T, options: ProduceOptions): Promise<ProduceAck> {
    const { signal } = options;
    if (this.closing) throw new ClosedError(`the producer of ${this.station} is closed`);
    if (signal?.aborted) throw abortError(signal, 'produce');
    const message: ProduceMessage = { payload: this.codec.encode(value) };
    if (options.headers !== undefined) message.headers = options.headers;
    if (options.key !== undefined) message.key = options.key;
    if (options.partition !== undefined) message.partition = options.partition;
    if (options.msgId !== undefined) message.msgId = options.msgId;
    checkMessage(message, this.conn.serverLimits);
    this.waitingForRoom += 1;
    try {
      while (this.inFlight >= this.maxInFlight) await this.room(signal);
    } catch (error) {
      this.waitingForRoom -= 1;
      this.flushed();
      throw error;
    }
    this.waitingForRoom -= 1;
    const item: Item = {
      message,
      size: messageBytes(message),
      deadline: Date.now() + (options.timeoutMs ?? this.conn.requestTimeoutMs),
      result: deferred<ProduceAck>(),
      signal,
    };
    this.inFlight += 1;
    this.queue.push(item);
    this.schedule();
    try {
      return await item.result.promise;
    } finally {
      this.inFlight -= 1;
      this.roomWaiters.shift()?.resolve();
      this.flushed();
    }
  }

  /** Wakes flush() once no message is in flight or waiting for room. */
  private flushed(): void {
    if (this.inFlight === 0 && this.waitingForRoom === 0)
      for (const waiter of this.flushWaiters.splice(0)) waiter.resolve();
  }

  private room(signal: AbortSignal | undefined): Promise<void> {
    const waiter = deferred<void>();
    this.roomWaiters.push(waiter);
    if (signal === undefined) return waiter.promise;
    const onAbort = (): void => {
      const index = this.roomWaiters.indexOf(waiter);
      if (index >= 0) this.roomWaiters.splice(index, 1);
      waiter.reject(abortError(signal, 'produce'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    return waiter.promise.finally(() => signal.removeEventListener('abort', onAbort));
  }

  private schedule(): void {
    const { maxBatchMessages } = this.conn.serverLimits;
    if (this.queue.length >= maxBatchMessages) {
      this.sendQueued();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.lingerMs === 0) nextTurn(() => this.sendQueued());
    else setTimeout(() => this.sendQueued(), this.lingerMs);
  }

  /** Cuts the queue into frames within the broker's batch limits and sends them. */
  private sendQueued(): void {
    this.scheduled = false;
    const { maxBatchMessages, maxBatchBytes } = this.conn.serverLimits;
    const queue = this.queue.filter((item) => !this.expired(item));
    this.queue = [];
    let batch: Item[] = [];
    let batchBytes = 0;
    for (const item of queue) {
      if (
        batch.length > 0 &&
        (batch.length === maxBatchMessages || batchBytes + item.size > maxBatchBytes)
      ) {
        this.sendBatch(batch);
        batch = [];
        batchBytes = 0;
      }
      batch.push(item);
      batchBytes += item.size;
    }
    if (batch.length > 0) this.sendBatch(batch);
  }

  /** Settles an item that was aborted or ran out of time while queued; true if it did. */
  private expired(item: Item): boolean {
    if (item.signal?.aborted) item.result.reject(abortError(item.signal, 'produce'));
    else if (Date.now() >= item.deadline) {
      item.result.reject(new TimeoutError('produce timed out before it could be sent'));
    } else return false;
    return true;
  }

  private sendBatch(batch: Item[]): void {
    const timeoutMs = Math.max(1, Math.min(...batch.map((item) => item.deadline)) - Date.now());
    this.conn
      .request(
        {
          type: 'produce',
          id: 0,
          station: this.station,
          messages: batch.map((item) => item.message),
        },
        { timeoutMs },
      )
      .then(
        (ack) => {
          batch.forEach((item, index) => {
            const result = ack.results[index];
            if (result === undefined) {
              item.result.reject(
                new FerryError('INTERNAL', 'the ack has no result for this message'),
              );
            } else if (result.kind === 'ok') {
              item.result.resolve({
                partition: result.partition,
                offset: result.offset,
                duplicate: result.duplicate,
                durability: ack.durability,
              });
            } else if (result.code === 'SCHEMA_VIOLATION') {
              item.result.reject(new SchemaViolationError(result.message, result.deadLetterId));
            } else {
              const code = isErrorCode(result.code) ? result.code : 'INTERNAL';
              item.result.reject(
                new ServerError(code, result.message, ERROR_CODES[code].retriable),
              );
            }
          });
        },
        (error: unknown) => this.failed(batch, error),
      );
  }

  /** A batch got no ack: idempotent messages go again, the others fail. */
  private failed(batch: Item[], error: unknown): void {
    const retry =
      error instanceof ConnectionError && error.code === 'CONNECTION_CLOSED' && !this.conn.isClosed;
    let requeued = false;
    for (const item of batch) {
      if (retry && item.message.msgId !== undefined && !this.expired(item)) {
        this.queue.push(item);
        requeued = true;
      } else item.result.reject(error);
    }
    if (requeued) this.schedule();
  }
}

function asFerryError(error: unknown): FerryError {
  return error instanceof FerryError
    ? error
    : new FerryError('INTERNAL', String(error), { cause: error });
}
