/**
 * The table of requests waiting for their reply: ids, timeouts, abort signals, and the check
 * that each reply is of the type the spec names in the request's `reply:`.
 */
import {
  type Frame,
  type FrameOf,
  type FrameType,
  REPLY_TYPES,
  type Replies,
} from '@ferry/protocol';
import { type Deferred, deferred } from './deferred.js';
import { abortError, TimeoutError, UnexpectedReplyError } from './errors.js';
import type { Outbox } from './outbox.js';

/** A frame type that gets a reply. */
export type RequestType = keyof Replies;
/** A frame that gets a reply; `id` is assigned by the connection. */
export type RequestFrame = FrameOf<RequestType>;
/** The frame that answers a request of type `K`. */
export type ReplyTo<K extends RequestType> = FrameOf<Replies[K]>;
/** Any frame that answers a request. */
export type ReplyFrame = ReplyTo<RequestType>;

const REPLIES: Readonly<Record<RequestType, FrameType>> = REPLY_TYPES;

interface Pending {
  request: RequestType;
  result: Deferred<Frame>;
  timer: ReturnType<typeof setTimeout>;
  unlinkSignal: (() => void) | undefined;
  /** The session the request is bound to (settlements, subscribes); undefined: any. */
  boundTo: number | undefined;
  /** The session the frame went out on; undefined while it waits in the outbox. */
  sentIn: number | undefined;
  /** Its key in the outbox while it waits there. */
  queued: number | undefined;
}

const MAX_ID = 0xffff_ffff;

export class RequestTable {
  private readonly pending = new Map<number, Pending>();
  private lastId = 0;

  /** `settled` runs after every request completes, however it completed. */
  constructor(
    private readonly outbox: Outbox,
    private readonly settled: () => void,
  ) {}

  /** The next free id; never 0, which the handshake and heartbeat pings use. */
  allocateId(): number {
    do this.lastId = this.lastId === MAX_ID ? 1 : this.lastId + 1;
    while (this.pending.has(this.lastId));
    return this.lastId;
  }

  /**
   * Registers request `id`, bound to `session` if given; it fails with TIMEOUT after
   * `timeoutMs` or ABORTED on `signal`.
   */
  add(
    id: number,
    request: RequestType,
    timeoutMs: number,
    signal?: AbortSignal,
    session?: number,
  ): Promise<Frame> {
    const timer = setTimeout(() => {
      this.settle(id, new TimeoutError(`no reply to ${request} within ${timeoutMs} ms`));
    }, timeoutMs);
    const entry: Pending = {
      request,
      result: deferred<Frame>(),
      timer,
      unlinkSignal: undefined,
      boundTo: session,
      sentIn: undefined,
      queued: undefined,
    };
    this.pending.set(id, entry);
    if (signal !== undefined) {
      const onAbort = (): void => this.settle(id, abortError(signal, request));
      signal.addEventListener('abort', onAbort, { once: true });
      entry.unlinkSignal = () => signal.removeEventListener('abort', onAbort);
    }
    return entry.result.promise;
  }

  /** Request `id` is written on `session`. */
  sent(id: number, session: number): void {
    const entry = this.pending.get(id);
    if (entry === undefined) return;
    entry.sentIn = session;
    entry.queued = undefined;
  }

  /** Request `id` waits in the outbox under `key`. */
  queued(id: number, key: number): void {
    const entry = this.pending.get(id);
    if (entry !== undefined) entry.queued = key;
  }

  /**
   * Completes the request `frame` answers. A reply of another type than the spec's fails the
   * request with that violation, which is returned so that the connection is dropped. A
   * reply to no waiting request is ignored: it answers a request that timed out or was
   * aborted, and telling those apart from ids never used would take unbounded bookkeeping.
   */
  reply(frame: ReplyFrame): UnexpectedReplyError | undefined {
    const entry = this.pending.get(frame.id);
    if (entry === undefined) return undefined;
    const expected = REPLIES[entry.request];
    if (frame.type === expected) {
      this.settle(frame.id, frame);
      return undefined;
    }
    const violation = new UnexpectedReplyError(entry.request, expected, frame.type);
    this.settle(frame.id, violation);
    return violation;
  }

  has(id: number): boolean {
    return this.pending.has(id);
  }

  /**
   * How many requests of `session` still wait for their reply: written on it, or bound to it
   * and waiting in the outbox for the transport to drain.
   */
  inFlight(session: number): number {
    let count = 0;
    for (const entry of this.pending.values())
      if ((entry.sentIn ?? entry.boundTo) === session) count += 1;
    return count;
  }

  /** Fails every request written on `session`. */
  failSession(session: number, error: Error): void {
    for (const [id, entry] of [...this.pending])
      if (entry.sentIn === session) this.settle(id, error);
  }

  /** Fails every request. */
  failAll(error: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id, error);
  }

  /** Completes request `id` with its reply or an error, once. */
  settle(id: number, outcome: Frame | Error): void {
    const entry = this.pending.get(id);
    if (entry === undefined) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    entry.unlinkSignal?.();
    if (entry.queued !== undefined) this.outbox.remove(entry.queued);
    if (outcome instanceof Error) entry.result.reject(outcome);
    else entry.result.resolve(outcome);
    this.settled();
  }
}
