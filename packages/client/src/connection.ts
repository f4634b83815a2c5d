/**
 * The connection engine: one live session at a time over a Transport, the handshake,
 * request/response correlation, the bounded buffer kept while disconnected, heartbeats,
 * and reconnecting with backoff. Everything above it (producers, consumers, admin) speaks
 * in frames through `request` and `post`.
 */
import {
  DEFAULT_LIMITS,
  type DeliverFrame,
  decodeFrame,
  type ErrorFrame,
  encodeFrame,
  FerryError,
  type Frame,
  isErrorCode,
  type Limits,
  PROTOCOL_VERSION,
  type WelcomeFrame,
} from '@ferry/protocol';
import { backoffDelay } from './backoff.js';
import { type Deferred, deferred, handled } from './deferred.js';
import {
  abortError,
  BufferFullError,
  ClosedError,
  ConnectionError,
  ServerError,
  TimeoutError,
} from './errors.js';
import { Heartbeat } from './heartbeat.js';
import type { ResolvedOptions } from './options.js';
import { anySignal, sleep, withDeadline } from './signals.js';
import { StatusHub } from './status.js';
import type { Transport } from './transport.js';

/** What the broker said about itself in the handshake. */
export interface ServerInfo {
  url: string;
  version: number;
  serverName: string;
  serverVersion: string;
  connectionId: string;
  limits: Readonly<Limits>;
}

/** Where the connection sends a subscription's pushed frames and session changes. */
export interface SubscriptionSink {
  deliver(frame: DeliverFrame): void;
  /** An error frame naming this subscription. */
  fail(error: ServerError): void;
  /** The session that carried the subscription ended. */
  disconnected(): void;
  /** A new session is up; the subscription subscribes again. */
  reconnected(): void;
  /** The client closed for good; `error` says why unless close() was called. */
  closed(error: Error | undefined): void;
}

export type ResponseType =
  | 'welcome'
  | 'pong'
  | 'ok'
  | 'station'
  | 'stations'
  | 'produceAck'
  | 'subscribed'
  | 'dlsEntries'
  | 'group'
  | 'groups';
export type Response<T extends ResponseType> = Extract<Frame, { type: T }>;
export type RequestFrame = Extract<Frame, { id: number }>;

export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Binds the request to one session (acks, subscribes): it is never buffered across a
   * reconnect, and fails with CONNECTION_CLOSED if that session is gone.
   */
  session?: number;
}

interface Pending {
  expect: ResponseType;
  result: Deferred<Frame>;
  timer: ReturnType<typeof setTimeout> | undefined;
  unlinkSignal: (() => void) | undefined;
  /** The session the frame went out on; undefined while it waits in the outbox. */
  sentIn: number | undefined;
  /** The encoded frame while it waits in the outbox. */
  queued: Uint8Array | undefined;
}

const MAX_ID = 0xffff_ffff;
const CLIENT_NAME = '@ferry/client';
const CLIENT_VERSION = '0.0.0';

export class Connection {
  readonly status: StatusHub = new StatusHub();
  info: ServerInfo | undefined;

  private readonly options: ResolvedOptions;
  private readonly servers: readonly URL[];
  private state: 'connecting' | 'connected' | 'disconnected' | 'closed' = 'connecting';
  private transport: Transport | undefined;
  private currentSession = 0;
  private nextServer = 0;
  private lastId = 0;
  private limits: Readonly<Limits> = DEFAULT_LIMITS;
  private readonly pending = new Map<number, Pending>();
  private outboxBytes = 0;
  private outboxFrames = 0;
  private readonly sinks = new Map<number, SubscriptionSink>();
  private lastSid = 0;
  private heartbeat: Heartbeat | undefined;
  private reconnectAfterMs: number | undefined;
  private readonly lifetime = new AbortController();
  private readonly done = deferred<Error | undefined>();

  constructor(options: ResolvedOptions, servers: readonly URL[]) {
    this.options = options;
    this.servers = servers;
  }

  /** The current session number; it changes on every reconnect. */
  get session(): number {
    return this.currentSession;
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** The default reply timeout. */
  get requestTimeoutMs(): number {
    return this.options.requestTimeoutMs;
  }

  /** The limits in force: the server's after the handshake. */
  get serverLimits(): Readonly<Limits> {
    return this.limits;
  }

  /** Settles when the client has closed: undefined on close(), else the error that ended it. */
  closed(): Promise<Error | undefined> {
    return this.done.promise;
  }

  /** The first connection: each server once, within connectTimeoutMs. */
  async open(signal: AbortSignal | undefined): Promise<void> {
    let lastError: unknown;
    for (const url of this.servers) {
      this.status.emit({ type: 'connecting', url: url.href, attempt: 1 });
      try {
        const session = await this.attempt(url, signal);
        this.established(url, session, false);
        return;
      } catch (error) {
        lastError = error;
        if (signal?.aborted) break;
      }
    }
    const error =
      lastError instanceof FerryError
        ? lastError
        : new ConnectionError('CONNECTION_FAILED', 'could not connect to any server', {
            cause: lastError,
          });
    this.shutdown(error);
    throw error;
  }

  /** Resolves once a session is up: at once if one is, else at the next reconnect. */
  whenConnected(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<void> {
    if (this.state === 'connected') return Promise.resolve();
    if (this.state === 'closed') return Promise.reject(new ClosedError());
    const ready = new Promise<void>((resolve, reject) => {
      const off = this.status.on((event) => {
        if (event.type === 'connected') {
          off();
          resolve();
        } else if (event.type === 'closed') {
          off();
          reject(event.error ?? new ClosedError());
        }
      });
    });
    return withDeadline(ready, 'waiting for the connection', {
      ...options,
      timeoutMs: options.timeoutMs ?? this.options.requestTimeoutMs,
    });
  }

  /** Allocates a subscription id and routes its frames to `sink`. */
  addSink(sink: SubscriptionSink): number {
    do this.lastSid = this.lastSid === MAX_ID ? 1 : this.lastSid + 1;
    while (this.sinks.has(this.lastSid));
    this.sinks.set(this.lastSid, sink);
    return this.lastSid;
  }

  removeSink(sid: number): void {
    this.sinks.delete(sid);
  }

  /**
   * Sends a request and resolves with its reply. Encoding errors (a field over a limit)
   * reject at once with the codec's ProtocolError; while disconnected the frame waits in
   * the bounded outbox unless it is bound to a session.
   */
  request<T extends ResponseType>(
    frame: RequestFrame,
    expect: T,
    options: RequestOptions = {},
  ): Promise<Response<T>> {
    return handled(this.startRequest(frame, expect, options) as Promise<Response<T>>);
  }

  /** Sends a frame that gets no reply (credit, pong) on the live session; false if there is none. */
  post(frame: Frame, session?: number): boolean {
    if (this.state !== 'connected' || this.transport === undefined) return false;
    if (session !== undefined && session !== this.currentSession) return false;
    this.transport.send(encodeFrame(frame, this.limits));
    return true;
  }

  /** Closes now: pending requests fail with CLIENT_CLOSED. */
  async close(): Promise<void> {
    this.shutdown(undefined);
    await this.done.promise;
  }

  private startRequest(
    frame: RequestFrame,
    expect: ResponseType,
    options: RequestOptions,
  ): Promise<Frame> {
    if (this.state === 'closed') return Promise.reject(new ClosedError());
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal, frame.type));
    if (
      options.session !== undefined &&
      (options.session !== this.currentSession || this.state !== 'connected')
    ) {
      return Promise.reject(
        new ConnectionError(
          'CONNECTION_CLOSED',
          `the connection this ${frame.type} belongs to has closed`,
        ),
      );
    }
    const id = this.allocateId();
    const bytes = encodeFrame({ ...frame, id } as Frame, this.limits);
    const connected = this.state === 'connected' && this.transport !== undefined;
    if (!connected) {
      if (
        this.outboxFrames + 1 > this.options.bufferMaxFrames ||
        this.outboxBytes + bytes.length > this.options.bufferMaxBytes
      ) {
        return Promise.reject(
          new BufferFullError(
            `disconnected, and the outbound buffer is full (${this.outboxFrames} frames, ${this.outboxBytes} bytes)`,
          ),
        );
      }
    }
    const entry: Pending = {
      expect,
      result: deferred<Frame>(),
      timer: undefined,
      unlinkSignal: undefined,
      sentIn: undefined,
      queued: undefined,
    };
    this.pending.set(id, entry);
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    entry.timer = setTimeout(() => {
      this.settle(id, new TimeoutError(`no reply to ${frame.type} within ${timeoutMs} ms`));
    }, timeoutMs);
    if (signal !== undefined) {
      const onAbort = (): void => this.settle(id, abortError(signal, frame.type));
      signal.addEventListener('abort', onAbort, { once: true });
      entry.unlinkSignal = () => signal.removeEventListener('abort', onAbort);
    }
    if (connected) {
      entry.sentIn = this.currentSession;
      this.transport?.send(bytes);
    } else {
      entry.queued = bytes;
      this.outboxFrames += 1;
      this.outboxBytes += bytes.length;
    }
    return entry.result.promise;
  }

  private allocateId(): number {
    do this.lastId = this.lastId === MAX_ID ? 1 : this.lastId + 1;
    while (this.pending.has(this.lastId));
    return this.lastId;
  }

  /** Completes request `id` with its reply or an error, once. */
  private settle(id: number, outcome: Frame | Error): void {
    const entry = this.pending.get(id);
    if (entry === undefined) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    entry.unlinkSignal?.();
    if (entry.queued !== undefined) {
      this.outboxFrames -= 1;
      this.outboxBytes -= entry.queued.length;
      entry.queued = undefined;
    }
    if (outcome instanceof Error) entry.result.reject(outcome);
    else if (outcome.type !== entry.expect) {
      entry.result.reject(
        new ConnectionError(
          'CONNECTION_CLOSED',
          `expected ${entry.expect}, the broker sent ${outcome.type}`,
        ),
      );
    } else entry.result.resolve(outcome);
  }

  /** Opens a transport and completes the handshake, within connectTimeoutMs. */
  private async attempt(url: URL, callerSignal: AbortSignal | undefined): Promise<Session> {
    const timeout = new AbortController();
    const timer = setTimeout(
      () =>
        timeout.abort(
          new TimeoutError(
            `connecting to ${url.href} took over ${this.options.connectTimeoutMs} ms`,
          ),
        ),
      this.options.connectTimeoutMs,
    );
    const linked = anySignal([callerSignal, timeout.signal, this.lifetime.signal]);
    let transport: Transport | undefined;
    try {
      transport = await this.options.transport({
        url,
        maxFrameBytes: this.limits.maxFrameBytes,
        signal: linked.signal,
      });
      const frames = transport[Symbol.asyncIterator]();
      transport.send(
        encodeFrame(
          {
            type: 'hello',
            id: 0,
            minVersion: PROTOCOL_VERSION,
            maxVersion: PROTOCOL_VERSION,
            ...(this.options.auth === undefined ? {} : { auth: this.options.auth }),
            clientName: this.options.name ?? CLIENT_NAME,
            clientVersion: CLIENT_VERSION,
          },
          this.limits,
        ),
      );
      const welcome = await this.handshakeReply(transport, frames, linked.signal);
      return { transport, frames, welcome };
    } catch (error) {
      void transport?.close();
      if (timeout.signal.aborted && !callerSignal?.aborted) throw timeout.signal.reason;
      if (callerSignal?.aborted) throw abortError(callerSignal, 'connect');
      if (this.lifetime.signal.aborted) throw new ClosedError();
      throw error;
    } finally {
      clearTimeout(timer);
      linked.dispose();
    }
  }

  private async handshakeReply(
    transport: Transport,
    frames: AsyncIterator<Uint8Array>,
    signal: AbortSignal,
  ): Promise<WelcomeFrame> {
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = (): void => reject(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    handled(aborted);
    const next = await Promise.race([frames.next(), aborted]);
    if (next.done) {
      const cause = await transport.closed();
      throw new ConnectionError(
        'CONNECTION_FAILED',
        'the server closed the connection during the handshake',
        {
          cause,
        },
      );
    }
    const frame = decodeFrame(next.value, DEFAULT_LIMITS);
    if (frame.type === 'welcome') return frame;
    if (frame.type === 'error') throw serverError(frame);
    throw new ConnectionError(
      'CONNECTION_FAILED',
      `expected welcome, the server sent ${frame.type}`,
    );
  }

  private established(url: URL, session: Session, reconnected: boolean): void {
    if (this.state === 'closed') {
      void session.transport.close();
      return;
    }
    const { welcome, transport, frames } = session;
    this.transport = transport;
    this.currentSession += 1;
    this.state = 'connected';
    this.reconnectAfterMs = undefined;
    this.limits = welcome.limits;
    this.info = {
      url: url.href,
      version: welcome.version,
      serverName: welcome.serverName,
      serverVersion: welcome.serverVersion,
      connectionId: welcome.connectionId,
      limits: welcome.limits,
    };
    const current = this.currentSession;
    this.heartbeat = new Heartbeat({
      intervalMs: welcome.limits.heartbeatIntervalMs,
      idleTimeoutMs: welcome.limits.idleTimeoutMs,
      ping: () => this.post({ type: 'ping', id: 0 }, current),
      idle: () =>
        this.lost(current, new ConnectionError('CONNECTION_CLOSED', 'the server went silent')),
    });
    void this.readLoop(transport, frames, current);
    this.flushOutbox();
    for (const sink of this.sinks.values()) sink.reconnected();
    this.status.emit({
      type: 'connected',
      url: url.href,
      connectionId: welcome.connectionId,
      reconnected,
    });
  }

  private flushOutbox(): void {
    for (const entry of this.pending.values()) {
      if (entry.queued === undefined) continue;
      this.transport?.send(entry.queued);
      this.outboxFrames -= 1;
      this.outboxBytes -= entry.queued.length;
      entry.queued = undefined;
      entry.sentIn = this.currentSession;
    }
  }

  private async readLoop(
    transport: Transport,
    frames: AsyncIterator<Uint8Array>,
    session: number,
  ): Promise<void> {
    let failure: Error | undefined;
    try {
      for (;;) {
        const next = await frames.next();
        if (next.done || session !== this.currentSession) break;
        this.heartbeat?.received();
        this.dispatch(decodeFrame(next.value, this.limits));
      }
    } catch (error) {
      // A frame the codec rejects means the server broke the protocol: drop the connection.
      failure = error instanceof Error ? error : new Error(String(error));
      void transport.close();
    }
    const reason = failure ?? (await transport.closed());
    this.lost(session, reason);
  }

  private dispatch(frame: Frame): void {
    switch (frame.type) {
      case 'ping':
        this.post({ type: 'pong', id: frame.id });
        return;
      case 'deliver':
        this.sinks.get(frame.sid)?.deliver(frame);
        return;
      case 'error':
        this.onError(frame);
        return;
      case 'goingAway':
        this.reconnectAfterMs = frame.reconnectAfterMs;
        this.status.emit({
          type: 'goingAway',
          reason: frame.reason,
          reconnectAfterMs: frame.reconnectAfterMs,
        });
        return;
      case 'welcome':
      case 'pong':
      case 'ok':
      case 'station':
      case 'stations':
      case 'produceAck':
      case 'subscribed':
      case 'dlsEntries':
      case 'group':
      case 'groups':
        this.settle(frame.id, frame);
        return;
      default:
        this.status.emit({
          type: 'error',
          error: new ConnectionError(
            'CONNECTION_CLOSED',
            `the server sent a client frame: ${frame.type}`,
          ),
        });
    }
  }

  private onError(frame: ErrorFrame): void {
    const error = serverError(frame);
    if (frame.id !== 0 && this.pending.has(frame.id)) {
      this.settle(frame.id, error);
      return;
    }
    const sink = frame.sid === undefined ? undefined : this.sinks.get(frame.sid);
    if (sink !== undefined) sink.fail(error);
    // A connection-level error: the server closes next, and the reconnect logic takes over.
    else this.status.emit({ type: 'error', error });
  }

  /** The session ended: fail what was sent on it, tell the subscriptions, reconnect. */
  private lost(session: number, reason: Error | undefined): void {
    if (session !== this.currentSession || this.state !== 'connected') return;
    const url = this.info?.url ?? '';
    this.state = 'disconnected';
    this.heartbeat?.stop();
    this.heartbeat = undefined;
    void this.transport?.close();
    this.transport = undefined;
    const closed = new ConnectionError(
      'CONNECTION_CLOSED',
      'the connection closed before the reply arrived',
      {
        cause: reason,
      },
    );
    for (const [id, entry] of this.pending) if (entry.sentIn === session) this.settle(id, closed);
    for (const sink of this.sinks.values()) sink.disconnected();
    this.status.emit({ type: 'disconnected', url, error: reason });
    if (this.options.reconnect === undefined) this.shutdown(closed);
    else void this.reconnect(reason);
  }

  private async reconnect(reason: Error | undefined): Promise<void> {
    const backoff = this.options.reconnect;
    if (backoff === undefined) return;
    let lastError: unknown = reason;
    for (let attempt = 1; this.state === 'disconnected'; attempt++) {
      if (attempt > backoff.maxAttempts) {
        this.shutdown(
          new ConnectionError(
            'CONNECTION_FAILED',
            `gave up reconnecting after ${backoff.maxAttempts} attempts`,
            {
              cause: lastError,
            },
          ),
        );
        return;
      }
      const delayMs =
        attempt === 1 && this.reconnectAfterMs !== undefined
          ? this.reconnectAfterMs
          : backoffDelay(backoff, attempt, this.options.random);
      this.status.emit({ type: 'reconnecting', attempt, delayMs });
      await sleep(delayMs, this.lifetime.signal);
      if (this.state !== 'disconnected') return;
      const url = this.servers[this.nextServer++ % this.servers.length] as URL;
      this.status.emit({ type: 'connecting', url: url.href, attempt });
      try {
        const session = await this.attempt(url, undefined);
        this.established(url, session, true);
        return;
      } catch (error) {
        lastError = error;
        // A refusal that will not change on retry (bad credentials, no common version) ends the client.
        if (error instanceof ServerError && !error.retriable) {
          this.shutdown(error);
          return;
        }
      }
    }
  }

  /** Ends the client for good: everything waiting fails, the transport closes. */
  private shutdown(error: Error | undefined): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.lifetime.abort(error ?? new ClosedError());
    this.heartbeat?.stop();
    const transport = this.transport;
    this.transport = undefined;
    for (const id of [...this.pending.keys()]) this.settle(id, error ?? new ClosedError());
    for (const sink of [...this.sinks.values()]) sink.closed(error);
    this.sinks.clear();
    const finish = (): void => {
      this.status.emit({ type: 'closed', error });
      this.done.resolve(error);
    };
    if (transport === undefined) finish();
    else transport.close().then(finish, finish);
  }
}

interface Session {
  transport: Transport;
  frames: AsyncIterator<Uint8Array>;
  welcome: WelcomeFrame;
}

/** An error frame as an exception; unknown codes (a newer broker) keep their text and number. */
export function serverError(frame: ErrorFrame): ServerError {
  const code = isErrorCode(frame.code) ? frame.code : 'INTERNAL';
  const message = isErrorCode(frame.code) ? frame.message : `${frame.code}: ${frame.message}`;
  return new ServerError(code, message, frame.retriable, frame.refs);
}
