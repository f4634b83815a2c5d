/**
 * The connection engine: one live session at a time over a Transport, reconnecting with
 * backoff, and leaving a server that says goingAway. Everything above it (producers,
 * consumers, admin) speaks in frames through `request` and `post`. The handshake, the
 * request table, the outbox, the writer, the session's read loop and dispatch each live in
 * their own module.
 */
import {
  type Auth,
  type ClientFrame,
  DEFAULT_LIMITS,
  encodeClientFrame,
  FerryError,
  type Frame,
  type GoingAwayFrame,
  type Limits,
} from '@ferry/protocol';
import { backoffDelay, backoffFrom } from './backoff.js';
import { backgroundTimer, credentials, MIN_REFRESH_MS, refreshDelay } from './credentials.js';
import { deferred, handled } from './deferred.js';
import { abortError, BufferFullError, ClosedError, ConnectionError } from './errors.js';
import {
  handshake,
  type ServerInfo,
  type Session,
  serverInfo,
  withPermissions,
} from './handshake.js';
import type { ResolvedOptions } from './options.js';
import { Outbox } from './outbox.js';
import { reconnect } from './reconnect.js';
import { type ReplyTo, type RequestFrame, RequestTable } from './requests.js';
import { LiveSession, type SessionContext } from './session.js';
import { withDeadline } from './signals.js';
import { SinkTable, type SubscriptionSink } from './sinks.js';
import { StatusHub } from './status.js';

export type { ServerInfo } from './handshake.js';
export type { ReplyTo, RequestFrame, RequestType } from './requests.js';
export type { SubscriptionSink } from './sinks.js';

export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Binds the request to one session (acks, subscribes): it is never buffered across a
   * reconnect, and fails with CONNECTION_CLOSED if that session is gone, or if the server is
   * leaving it and the request is not a settlement.
   */
  session?: number;
}

/**
 * `leaving`: the server said goingAway; the session sends only the settlements of messages
 * already handed out, and closes once they and every reply are in.
 */
type State = 'connecting' | 'connected' | 'leaving' | 'disconnected' | 'closed';

/** The requests still written on a session the server is leaving [CLIENT-5]. */
const SETTLEMENTS: ReadonlySet<string> = new Set(['ack', 'nack', 'deadLetter']);

export class Connection {
  readonly status: StatusHub = new StatusHub();
  info: ServerInfo | undefined;

  private state: State = 'connecting';
  private live: LiveSession | undefined;
  private lastSession = 0;
  /** The index in `servers` of the current (or last) session's server. */
  private serverIndex = 0;
  private limits: Readonly<Limits> = DEFAULT_LIMITS;
  private readonly outbox: Outbox;
  private readonly requests: RequestTable;
  private readonly sinks = new SinkTable();
  private readonly context: SessionContext;
  private reconnectAfterMs: number | undefined;
  private readonly lifetime = new AbortController();
  private readonly done = deferred<Error | undefined>();
  /** Cancels the scheduled refresh of the credentials [SEC-6]. */
  private cancelRefresh: (() => void) | undefined;
  /**
   * Changes with every accepted reauth and every session: a scheduled refresh that failed
   * is tried again only if it is still the latest word on the credentials.
   */
  private authEpoch = 0;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly servers: readonly URL[],
  ) {
    this.outbox = new Outbox(options.bufferMaxBytes, options.bufferMaxFrames);
    this.requests = new RequestTable(this.outbox, () => this.closeWhenIdle());
    this.context = {
      outbox: this.outbox,
      requests: this.requests,
      sinks: this.sinks,
      status: this.status,
      lost: (session, reason) => this.lost(session, reason),
      goingAway: (session, frame) => this.goingAway(session, frame),
    };
  }

  /** The current session number; it changes on every reconnect. */
  get session(): number {
    return this.lastSession;
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
    for (const [index, url] of this.servers.entries()) {
      this.status.emit({ type: 'connecting', url: url.href, attempt: 1 });
      try {
        this.established(index, await this.handshake(url, signal), false);
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
    return withDeadline(this.status.nextConnected(), 'waiting for the connection', {
      ...options,
      timeoutMs: options.timeoutMs ?? this.options.requestTimeoutMs,
    });
  }

  /** Allocates a subscription id and routes its frames to `sink`. */
  addSink(sink: SubscriptionSink): number {
    return this.sinks.add(sink);
  }

  removeSink(sid: number): void {
    this.sinks.remove(sid);
    this.closeWhenIdle();
  }

  /**
   * A subscription's `unsettled()` went down without a request (its settlement could not be
   * sent, or it stopped): after goingAway, the connection may be done.
   */
  unsettledChanged(): void {
    this.closeWhenIdle();
  }

  /**
   * Sends a request and resolves with its reply, of the type the spec names for it; a reply
   * of another type fails it with PROTOCOL_VIOLATION. Encoding errors (a field over a limit)
   * throw the codec's ProtocolError at once. While there is no session to write on
   * (disconnected, after goingAway, transport full) the frame waits in the bounded outbox,
   * unless it is bound to a session; past the outbox's bounds the call fails with BUFFER_FULL.
   * After goingAway, settlements bound to the leaving session still go out on it.
   */
  request<F extends RequestFrame>(
    frame: F,
    options: RequestOptions = {},
  ): Promise<ReplyTo<F['type']>> {
    return handled(this.startRequest(frame, options) as Promise<ReplyTo<F['type']>>);
  }

  /**
   * Sends a frame that gets no reply (credit, pong) on the live session, after whatever
   * waits in the outbox; false if there is no live session (or it is not `session`), and
   * after goingAway, so that a leaving session is granted no more credit [CLIENT-5].
   */
  post(frame: ClientFrame, session?: number): boolean {
    const live = this.live;
    if (this.state !== 'connected' || live === undefined) return false;
    if (session !== undefined && session !== live.id) return false;
    return live.post(frame);
  }

  /**
   * Presents `auth`, or the `auth` option's credentials (calling its function), on the live
   * session [SEC-6]; resolves with their expiry once the broker has accepted them. Accepted
   * credentials given here replace an `auth` value for the reconnects to come.
   */
  async reauth(auth?: Auth): Promise<number | undefined> {
    const session = this.lastSession;
    const given = auth ?? (await credentials(this.options.auth));
    if (given === undefined) throw new TypeError('reauth needs credentials');
    const reply = await this.request({ type: 'reauth', id: 0, auth: given }, { session });
    if (auth !== undefined && typeof this.options.auth !== 'function') this.options.auth = auth;
    if (this.info !== undefined && session === this.lastSession)
      Object.assign(this.info, withPermissions(reply.permissions));
    this.expires(reply.authExpiresAt);
    return reply.authExpiresAt;
  }

  /** Closes now: pending requests fail with CLIENT_CLOSED. */
  async close(): Promise<void> {
    this.shutdown(undefined);
    await this.done.promise;
  }

  private startRequest(frame: RequestFrame, options: RequestOptions): Promise<Frame> {
    if (this.state === 'closed') return Promise.reject(new ClosedError());
    const { signal, session } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal, frame.type));
    const settlement = SETTLEMENTS.has(frame.type);
    if (session !== undefined && !this.takes(session, settlement)) {
      return Promise.reject(sessionGone(frame.type));
    }
    const id = this.requests.allocateId();
    const bytes = encodeClientFrame({ ...frame, id } as ClientFrame, this.limits);
    // Undefined between sessions; after goingAway it takes only the leaving session's settlements.
    const writer = this.live?.writer;
    const direct = writer?.accepts(session) === true;
    if (!direct && !this.outbox.fits(bytes.length)) {
      const why =
        this.state === 'connected' || session !== undefined
          ? 'the transport is full'
          : this.state === 'leaving'
            ? 'the server is going away'
            : 'not connected';
      return Promise.reject(
        new BufferFullError(`${why}, and the outbound buffer is full (${this.outbox.describe()})`),
      );
    }
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    const reply = this.requests.add(id, frame.type, timeoutMs, signal, session);
    if (direct && writer !== undefined) {
      this.requests.sent(id, writer.session);
      writer.write(bytes);
    } else {
      const key = this.outbox.add({
        bytes,
        session,
        settlement,
        sent: (on) => this.requests.sent(id, on),
        dropped: () => this.requests.settle(id, sessionGone(frame.type)),
      });
      this.requests.queued(id, key);
    }
    return reply;
  }

  /**
   * Whether a request bound to `session` may still go out on it: anything while it is the
   * connected session; after goingAway, only a settlement [CLIENT-5].
   */
  private takes(session: number, settlement: boolean): boolean {
    if (session !== this.lastSession || this.live === undefined) return false;
    return this.state === 'connected' || (this.state === 'leaving' && settlement);
  }

  private handshake(url: URL, signal: AbortSignal | undefined): Promise<Session> {
    return handshake(this.options, url, this.limits, signal, this.lifetime.signal);
  }

  private established(index: number, session: Session, reconnected: boolean): void {
    if (this.state === 'closed') {
      void session.transport.close();
      return;
    }
    const { welcome, transport, frames } = session;
    this.serverIndex = index;
    this.lastSession += 1;
    this.state = 'connected';
    this.reconnectAfterMs = undefined;
    this.limits = welcome.limits;
    this.info = serverInfo(this.servers[index] as URL, welcome);
    this.live = new LiveSession(this.lastSession, transport, frames, welcome.limits, this.context);
    this.expires(welcome.authExpiresAt);
    this.sinks.each((sink) => sink.reconnected());
    this.status.emit({
      type: 'connected',
      url: this.info.url,
      connectionId: welcome.connectionId,
      reconnected,
    });
  }

  /**
   * Records when the session's credentials expire and, when they come from a function,
   * schedules their refresh [SEC-6]. Any refresh scheduled or failing before is forgotten.
   */
  private expires(at: number | undefined): void {
    this.forgetRefresh();
    if (this.info !== undefined) this.info.authExpiresAt = at;
    if (at !== undefined && typeof this.options.auth === 'function') {
      this.cancelRefresh = backgroundTimer(Date.now() + refreshDelay(at - Date.now()), () =>
        this.refresh(at, 1),
      );
    }
  }

  private forgetRefresh(): void {
    this.authEpoch += 1;
    this.cancelRefresh?.();
  }

  /**
   * Reauthenticates with the auth function's credentials, which expire at `at`. A failure
   * (refused, the function threw, no reply) is reported as a status error and tried again
   * after a backoff, at least MIN_REFRESH_MS later, while that is before `at`; after it, the
   * broker closes the connection with AUTH_EXPIRED and the reconnect calls the function.
   */
  private refresh(at: number, attempt: number): void {
    const epoch = this.authEpoch;
    this.reauth().catch((error: FerryError) => {
      if (epoch !== this.authEpoch) return;
      this.status.emit({ type: 'error', error });
      const delayMs = backoffDelay(
        this.options.reconnect ?? backoffFrom(),
        attempt,
        this.options.random,
      );
      const retryAt = Date.now() + Math.max(MIN_REFRESH_MS, delayMs);
      if (retryAt < at)
        this.cancelRefresh = backgroundTimer(retryAt, () => this.refresh(at, attempt + 1));
    });
  }

  /**
   * The server is stopping [CLIENT-5]: no new request goes out on this session (new requests
   * wait in the outbox, as while disconnected) and no more credit, but the settlements of the
   * messages already handed to the application still do; the subscriptions hand out nothing
   * more from it. The connection closes once every reply to what was sent has arrived (or
   * timed out) and those messages are settled, or when the server closes it first.
   */
  private goingAway(session: LiveSession, frame: GoingAwayFrame): void {
    if (this.state !== 'connected' || this.live !== session) return;
    this.state = 'leaving';
    this.reconnectAfterMs = frame.reconnectAfterMs;
    session.writer.leave();
    this.sinks.each((sink) => sink.leaving());
    // Credit, and bound requests not yet written (a subscribe), never go out on it.
    this.outbox.keepSettlements(session.id);
    this.status.emit({
      type: 'goingAway',
      reason: frame.reason,
      reconnectAfterMs: frame.reconnectAfterMs,
    });
    this.closeWhenIdle();
  }

  /**
   * After goingAway, closes the connection once nothing sent on it waits for its reply and
   * every message handed out from it is settled. Runs after every reply, after every
   * settlement a subscription sends, and when a subscription goes.
   */
  private closeWhenIdle(): void {
    const live = this.live;
    if (this.state !== 'leaving' || live === undefined) return;
    if (this.requests.inFlight(live.id) === 0 && this.sinks.unsettled() === 0) live.close();
  }

  /** The session ended: fail what was sent on it, tell the subscriptions, reconnect. */
  private lost(session: LiveSession, reason: Error | undefined): void {
    if (this.live !== session || (this.state !== 'connected' && this.state !== 'leaving')) return;
    const leaving = this.state === 'leaving';
    const url = this.info?.url ?? '';
    this.state = 'disconnected';
    this.live = undefined;
    this.forgetRefresh();
    void session.stop();
    const closed = new ConnectionError(
      'CONNECTION_CLOSED',
      'the connection closed before the reply arrived',
      { cause: reason },
    );
    this.requests.failSession(session.id, closed);
    this.outbox.dropBound(undefined);
    this.sinks.each((sink) => sink.disconnected());
    this.status.emit({ type: 'disconnected', url, error: reason });
    const backoff = this.options.reconnect;
    if (backoff === undefined) {
      this.shutdown(closed);
      return;
    }
    // Most drops are brief: the same server first. After goingAway, the next one.
    const next = leaving && this.servers.length > 1 ? 1 : 0;
    void reconnect({
      backoff,
      random: this.options.random,
      servers: this.servers,
      first: this.serverIndex + next,
      firstDelayMs: this.reconnectAfterMs,
      reason,
      status: this.status,
      lifetime: this.lifetime.signal,
      authFunction: typeof this.options.auth === 'function',
      disconnected: () => this.state === 'disconnected',
      connect: async (index) => {
        const url = this.servers[index] as URL;
        this.established(index, await this.handshake(url, undefined), true);
      },
      giveUp: (error) => this.shutdown(error),
    });
  }

  /** Ends the client for good: everything waiting fails, the transport closes. */
  private shutdown(error: Error | undefined): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.forgetRefresh();
    this.lifetime.abort(error ?? new ClosedError());
    const live = this.live;
    this.live = undefined;
    this.requests.failAll(error ?? new ClosedError());
    this.outbox.clear();
    this.sinks.each((sink) => sink.closed(error));
    this.sinks.clear();
    const finish = (): void => {
      this.status.emit({ type: 'closed', error });
      this.done.resolve(error);
    };
    if (live === undefined) finish();
    else live.stop().then(finish, finish);
  }
}

function sessionGone(what: string): ConnectionError {
  return new ConnectionError(
    'CONNECTION_CLOSED',
    `the connection this ${what} belongs to has closed`,
  );
}
