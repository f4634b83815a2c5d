/**
 * One client connection's protocol state machine: handshake, heartbeats, dispatch to the
 * frame handlers, and its bounded outbound queue. It knows nothing of sockets: the TCP and
 * WebSocket adapters feed it frame bodies, give it a {@link FrameSink} to write to and a
 * {@link ReadControl} to stop reading while it waits for its peer to read. [LIMITS-5]
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Auth,
  type ClientFrame,
  decodeClientFrame,
  type ErrorCode,
  encodeServerFrame,
  FerryError,
  FrameDirectionError,
  type HelloFrame,
  type Limits,
  type MessageRef,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  ProtocolError,
  type ReauthFrame,
  type ServerFrame,
} from '@ferry/protocol';
import type { AuthOutcome, AuthRefusal, PeerCertificate, Principal } from '../auth/outcome.js';
import type { Action } from '../auth/permissions.js';
import type { Place } from './admission.js';
import { type ConnectionMetrics, INVALID_FRAME_TYPE } from './connection-metrics.js';
import type { ConnectionContext } from './context.js';
import { errorFrame, truncateUtf8 } from './error-frame.js';
import { ADMIN_FRAMES, needOf, targetOf } from './frame-permissions.js';
import { Heartbeat } from './heartbeat.js';
import { type FrameSink, OutboundQueue } from './outbound.js';
import { type HandledFrame, negotiateVersion } from './protocol-rules.js';
import { type ReadControl, ReadGate } from './read-gate.js';
import { RefusalBudget } from './refusal-budget.js';
import type { Connection } from './types.js';

export interface ConnectionOptions extends ConnectionContext {
  transport: 'tcp' | 'ws';
  sink: FrameSink;
  reading: ReadControl;
  /** The socket's place under the connection caps; no longer pending once welcome is sent. */
  place: Place;
  remoteAddress: string | undefined;
  /** The verified client certificate of a TLS connection that presented one. [SEC-7] */
  certificate?: PeerCertificate | undefined;
  /** The listener's instruments, made once for all its connections. */
  instruments: ConnectionMetrics;
}

export const SERVER_NAME = 'ferry-broker';

/** How long an ended connection waits for its peer to close before it is destroyed. */
export const CLOSE_LINGER_MS = 1000;

type AnyHandler = (conn: Connection, frame: HandledFrame) => void | Promise<void>;

type State = 'awaitingHello' | 'authenticating' | 'open' | 'closed';

export class BrokerConnection implements Connection {
  readonly id = `c-${randomBytes(6).toString('hex')}`;
  readonly transport: 'tcp' | 'ws';

  private state: State = 'awaitingHello';
  /** Set by the handshake; replaced by reauth and reloads. */
  private who: Principal | undefined;
  private accessListeners: Array<() => void> = [];
  private expiryTimer: NodeJS.Timeout | undefined;
  /** Refusals this connection may have logged, the rest counted only. */
  private readonly refused = new RefusalBudget();
  private readonly options: ConnectionOptions;
  private readonly sink: FrameSink;
  private readonly limits: Limits;
  private readonly outbound: OutboundQueue;
  private readonly instruments: ConnectionMetrics;
  private closeListeners: Array<() => void> = [];

  private handshakeTimer: NodeJS.Timeout | undefined;
  private readonly handshakeAbort = new AbortController();
  private lingerTimer: NodeJS.Timeout | undefined;
  private readonly gate: ReadGate;
  private readonly heartbeat: Heartbeat;
  private nextPingId = 1;

  constructor(options: ConnectionOptions) {
    this.options = options;
    this.transport = options.transport;
    this.sink = options.sink;
    this.limits = options.limits;
    this.instruments = options.instruments;
    this.outbound = new OutboundQueue(options.sink, {
      maxBytes: options.maxOutboundBytes,
      stallTimeoutMs: options.stallTimeoutMs,
      onStall: () => this.slowConsumer('the peer has not read for too long'),
      budget: options.outboundBudget,
    });
    this.gate = new ReadGate({
      reading: options.reading,
      outbound: this.outbound,
      handle: (body) => this.handle(body),
      open: () => this.state === 'open',
      closed: () => this.closed,
    });
    this.heartbeat = new Heartbeat({
      intervalMs: this.limits.heartbeatIntervalMs,
      idleTimeoutMs: this.limits.idleTimeoutMs,
      ping: () => this.send({ type: 'ping', id: this.nextPingId++ }),
      idle: () =>
        this.close('IDLE_TIMEOUT', `nothing received for ${this.limits.idleTimeoutMs} ms`),
    });
    this.armHandshakeTimer();
    this.instruments.opened();
    this.options.log.debug(this.logFields({ remote: options.remoteAddress }), 'connection opened');
  }

  get principal(): string {
    return this.who?.name ?? '';
  }

  may(action: Action, station: string): boolean {
    return this.who?.permissions.allows(action, station) ?? false;
  }

  sees(station: string): boolean {
    return this.who?.permissions.seesStation(station) ?? false;
  }

  mayEverywhere(action: Action): boolean {
    return this.who?.permissions.allowsEverywhere(action) ?? false;
  }

  onAccessChange(listener: () => void): void {
    this.accessListeners.push(listener);
  }

  /**
   * After a reload: the principal under the new configuration, or a close when it is no longer
   * accepted. [SEC-5]
   */
  refreshPrincipal(current: (principal: Principal) => Principal | undefined): void {
    if (this.state !== 'open' || this.who === undefined) return;
    const now = current(this.who);
    if (now === undefined) {
      this.close('AUTH_EXPIRED', 'the credentials were revoked by a configuration reload');
      return;
    }
    this.become(now);
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Bytes queued here or in the transport and not yet sent. */
  get outboundBytes(): number {
    return this.outbound.bytes;
  }

  // --- From the transport ---

  /** One frame body from the peer. */
  receive(body: Uint8Array): void {
    if (this.state === 'closed') return;
    this.instruments.receivedBytes(body.length);
    this.heartbeat.received();
    this.gate.receive(body);
  }

  private handle(body: Uint8Array): void {
    let frame: ClientFrame;
    try {
      // A frame only servers send is UNKNOWN_FRAME_TYPE to this receiver, as an unknown code is.
      frame = decodeClientFrame(body, this.limits);
    } catch (err) {
      this.instruments.receivedFrame(INVALID_FRAME_TYPE);
      // [HS-1] Before welcome, any well-formed frame but hello, a server's included.
      if (err instanceof FrameDirectionError && this.state !== 'open')
        this.close('HANDSHAKE_REQUIRED', `the first frame must be hello, not ${err.frameType}`);
      else this.streamError(err);
      return;
    }
    this.instruments.receivedFrame(frame.type);
    if (this.state === 'open') this.dispatch(frame);
    else if (this.state === 'awaitingHello' && frame.type === 'hello') void this.hello(frame);
    // [HS-1] Anything else before welcome, a pipelined frame during authentication included.
    else this.close('HANDSHAKE_REQUIRED', `the first frame must be hello, not ${frame.type}`);
  }

  /** The transport could not frame the byte stream (a bad length prefix, say). */
  streamError(err: unknown): void {
    if (err instanceof ProtocolError) {
      this.options.log.warn(this.logFields({ code: err.code, err }), 'bad frame from the peer');
      this.close(err.code, err.message);
      return;
    }
    this.options.log.error(this.logFields({ err }), 'reading from the peer failed');
    this.close('INTERNAL', 'internal error');
  }

  /** The transport's buffer emptied. */
  writable(): void {
    this.outbound.release();
  }

  /** The transport is gone, whoever closed it. */
  transportClosed(): void {
    clearTimeout(this.lingerTimer);
    this.finish('transport closed');
  }

  // --- Connection ---

  send(frame: ServerFrame): boolean {
    if (this.state === 'closed') return false;
    let body: Uint8Array;
    try {
      body = encodeServerFrame(frame, this.limits);
    } catch (err) {
      // The broker built a bad frame: a bug to report as INTERNAL, not as the client's fault.
      const detail = err instanceof Error ? err.message : String(err);
      throw new Error(`cannot encode a ${frame.type} frame: ${detail}`, { cause: err });
    }
    if (body.length > this.limits.maxFrameBytes) return this.oversized(frame, body.length);
    this.instruments.sent(frame.type, body.length);
    const pressure = this.outbound.push(body);
    if (pressure === 'hard') this.slowConsumer();
    return pressure === 'ok';
  }

  drained(): Promise<void> {
    return this.outbound.drained();
  }

  /**
   * A frame over maxFrameBytes is a broker bug: the peer would refuse it and hang up. It is
   * not sent; a request gets INTERNAL instead, and a delivery's caller its own error. [LIMITS-1]
   */
  private oversized(frame: ServerFrame, bytes: number): boolean {
    const limit = this.limits.maxFrameBytes;
    this.options.log.error(
      this.logFields({ frame: frame.type, bytes, limit }),
      'refusing to send a frame over maxFrameBytes',
    );
    const detail = `a ${frame.type} frame of ${bytes} bytes is over maxFrameBytes (${limit})`;
    if (frame.type === 'deliver') throw new Error(detail);
    if (!('id' in frame)) return true;
    const sid = 'sid' in frame ? frame.sid : undefined;
    return this.send(
      errorFrame(this.limits, frame.id, 'INTERNAL', `internal error (connection ${this.id})`, sid),
    );
  }

  sendError(id: number, code: ErrorCode, message: string, sid?: number, refs?: MessageRef[]): void {
    const frame = errorFrame(this.limits, id, code, message, sid);
    if (refs !== undefined) frame.refs = refs;
    this.send(frame);
  }

  close(code: ErrorCode, message: string): void {
    this.fail(0, code, message);
  }

  onClose(listener: () => void): void {
    if (this.state === 'closed') listener();
    else this.closeListeners.push(listener);
  }

  /** Tells the client the server is stopping; the connection stays open for in-flight work. */
  goingAway(reason: string, reconnectAfterMs?: number): void {
    if (this.state === 'closed') return;
    const frame: ServerFrame = {
      type: 'goingAway',
      reason: truncateUtf8(reason, this.limits.maxReasonBytes),
    };
    if (reconnectAfterMs !== undefined) frame.reconnectAfterMs = reconnectAfterMs;
    this.send(frame);
  }

  // --- Handshake ---

  private armHandshakeTimer(): void {
    this.handshakeTimer = setTimeout(() => {
      this.close('HANDSHAKE_TIMEOUT', `no handshake within ${this.limits.handshakeTimeoutMs} ms`);
    }, this.limits.handshakeTimeoutMs).unref();
  }

  /**
   * Waits for this remote address's turn when it has failed handshakes before; false when the
   * turn is too far away (refused with OVERLOADED) or the connection closed meanwhile. The
   * wait is the broker's doing: the handshake timeout starts over after it. [SEC-3]
   */
  private async awaitTurn(helloId: number): Promise<boolean> {
    const remote = this.options.remoteAddress;
    const waitMs = this.options.authThrottle.turn(remote);
    if (waitMs === undefined) {
      this.options.refusals.warn(
        this.logFields({ code: 'OVERLOADED', remote }),
        'handshake refused: too many waiting after failed ones',
      );
      this.fail(
        helloId,
        'OVERLOADED',
        `handshakes from ${remote} wait their turn after failed ones; retry later`,
      );
      return false;
    }
    if (waitMs === 0) return true;
    clearTimeout(this.handshakeTimer);
    try {
      await sleep(waitMs, undefined, { signal: this.handshakeAbort.signal, ref: false });
    } catch {
      return false; // the connection closed while it waited
    }
    this.armHandshakeTimer();
    return !this.closed;
  }

  private async hello(hello: HelloFrame): Promise<void> {
    this.state = 'authenticating';
    const version = negotiateVersion(hello.minVersion, hello.maxVersion);
    if (version === undefined) {
      this.fail(
        hello.id,
        'UNSUPPORTED_VERSION',
        `the server speaks versions ${MIN_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}, the client ${hello.minVersion} to ${hello.maxVersion}`,
      ); // [HS-2]
      return;
    }
    if (!(await this.awaitTurn(hello.id))) return;
    let outcome: AuthOutcome;
    try {
      outcome = await this.check(hello.auth);
    } catch (err) {
      if (this.closed) return; // timed out or dropped while its check waited
      if (err instanceof FerryError) {
        // OVERLOADED: too many password checks waiting; the client retries later.
        const fields = { code: err.code, remote: this.options.remoteAddress };
        this.options.refusals.warn(this.logFields(fields), 'handshake refused');
        this.fail(hello.id, err.code, err.message);
        return;
      }
      this.options.log.error(this.logFields({ err }), 'authentication failed unexpectedly');
      this.fail(hello.id, 'INTERNAL', 'internal error while authenticating');
      return;
    }
    if (this.closed) return; // timed out or dropped while authenticating
    if ('refused' in outcome) {
      this.refuse(hello.id, outcome.refused);
      return;
    }
    const { principal } = outcome;
    this.state = 'open';
    this.become(principal);
    clearTimeout(this.handshakeTimer);
    this.options.place.established();
    this.send({
      type: 'welcome',
      id: hello.id,
      version,
      serverName: SERVER_NAME,
      serverVersion: this.options.serverVersion,
      connectionId: this.id,
      limits: this.limits,
      ...(principal.kind === 'anonymous' ? {} : { principal: principal.name }),
      ...(principal.expiresAt === undefined ? {} : { authExpiresAt: principal.expiresAt }),
      ...(principal.kind === 'anonymous' ? {} : { permissions: principal.permissions.wire }),
    });
    this.heartbeat.start();
    this.options.log.info(
      this.logFields({
        principal: principal.name,
        kind: principal.kind,
        version,
        client: hello.clientName,
        remote: this.options.remoteAddress,
      }),
      'connection ready',
    );
  }

  /** Checks credentials (with the TLS client certificate, if any) while the connection lasts. */
  private check(auth: Auth | undefined): Promise<AuthOutcome> {
    const { certificate } = this.options;
    return this.options.authenticate({ auth, certificate, signal: this.handshakeAbort.signal });
  }

  /** New credentials for the same principal, checked as hello's are. [SEC-6] */
  private async reauth(frame: ReauthFrame): Promise<void> {
    let outcome: AuthOutcome;
    try {
      outcome = await this.check(frame.auth);
    } catch (err) {
      if (this.closed) return;
      if (err instanceof FerryError) this.sendError(frame.id, err.code, err.message);
      else {
        this.options.log.error(this.logFields({ err }), 'reauthentication failed unexpectedly');
        this.sendError(frame.id, 'INTERNAL', 'internal error while authenticating');
      }
      return;
    }
    if (this.closed) return;
    const before = this.who;
    if ('refused' in outcome) {
      const { reason, checked } = outcome.refused;
      this.auditRefusal('reauthenticate', 'AUTH_FAILED', undefined, reason ?? checked);
      this.sendError(frame.id, 'AUTH_FAILED', refusalMessage(outcome.refused));
      return;
    }
    const after = outcome.principal;
    if (before === undefined || after.kind !== before.kind || after.name !== before.name) {
      const detail = `principal would become ${after.name}`;
      this.auditRefusal('reauthenticate', 'AUTH_FAILED', undefined, detail);
      this.sendError(frame.id, 'AUTH_FAILED', 'new credentials must be for the same principal');
      return;
    }
    this.become(after);
    this.send({
      type: 'reauthed',
      id: frame.id,
      ...(after.expiresAt === undefined ? {} : { authExpiresAt: after.expiresAt }),
      permissions: after.permissions.wire,
    });
  }

  /** Takes the principal, arms its expiry, and tells who keeps state under its permissions. */
  private become(principal: Principal): void {
    const changed = this.who !== undefined;
    this.who = principal;
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    if (principal.expiresAt !== undefined) this.armExpiry(principal.expiresAt);
    if (!changed) return;
    for (const listener of this.accessListeners) {
      try {
        listener();
      } catch (err) {
        this.options.log.error(this.logFields({ err }), 'an access listener failed');
      }
    }
  }

  /** Timers overflow past 2^31 - 1 ms: a far expiry is checked again when that runs out. */
  private armExpiry(expiresAt: number): void {
    const wait = Math.min(Math.max(0, expiresAt - Date.now()), 2 ** 31 - 1);
    this.expiryTimer = setTimeout(() => {
      if (Date.now() < expiresAt) return this.armExpiry(expiresAt);
      this.audit('expire', 'AUTH_EXPIRED');
      this.close('AUTH_EXPIRED', 'the credentials expired; reconnect with fresh ones');
    }, wait).unref();
  }

  /**
   * A client may send denied requests and failed reauths at will: each connection logs a few
   * of them per window and counts the rest (see RefusalBudget). [SEC-8]
   */
  private auditRefusal(
    action: string,
    outcome: string,
    target: Record<string, unknown> | undefined,
    detail: string | undefined,
  ): void {
    const suppressed = this.refused.take();
    if (suppressed === undefined) this.options.audit.count(action, outcome);
    else this.audit(action, outcome, target, detail, suppressed);
  }

  private audit(
    action: string,
    outcome: string,
    target?: Record<string, unknown>,
    detail?: string,
    suppressed = 0,
  ): void {
    this.options.audit.record({
      action,
      outcome,
      principal: this.who?.name,
      remote: this.options.remoteAddress,
      conn: this.id,
      transport: this.transport,
      ...(target === undefined ? {} : { target }),
      ...(detail === undefined ? {} : { detail }),
      ...(suppressed > 0 ? { suppressed } : {}),
    });
  }

  /** AUTH_FAILED, counted for the remote address, whose next handshake then waits longer. [SEC-3] */
  private refuse(id: number, refusal: AuthRefusal): void {
    const remote = this.options.remoteAddress;
    const { failures, delayMs } = this.options.authThrottle.failed(remote);
    this.options.log.warn(this.logFields({ remote, ...refusal, failures, delayMs }), 'auth failed');
    this.audit('authenticate', 'AUTH_FAILED', undefined, refusal.reason ?? refusal.checked);
    this.fail(id, 'AUTH_FAILED', refusalMessage(refusal));
  }

  // --- Dispatch ---

  private dispatch(frame: ClientFrame): void {
    if (frame.type === 'ping') {
      this.send({ type: 'pong', id: frame.id });
      return;
    }
    if (frame.type === 'pong') return;
    if (frame.type === 'hello') {
      this.close('INVALID_FIELD', 'type: hello is only valid as the first frame');
      return;
    }
    if (frame.type === 'reauth') {
      this.gate.requestStarted();
      void this.reauth(frame).finally(() => this.gate.requestFinished());
      return;
    }
    if (!this.permitted(frame)) return;
    const handler = this.options.handlers[frame.type] as AnyHandler;
    const audited = ADMIN_FRAMES.has(frame.type);
    try {
      const result = handler(this, frame);
      if (result instanceof Promise) {
        this.gate.requestStarted();
        result
          .then(
            () => audited && this.audit(frame.type, 'ok', targetOf(frame)),
            (err: unknown) => {
              if (audited) this.audit(frame.type, errorCodeOf(err), targetOf(frame));
              this.handlerFailed(frame, err);
            },
          )
          .finally(() => this.gate.requestFinished());
      } else if (audited) this.audit(frame.type, 'ok', targetOf(frame));
    } catch (err) {
      if (audited) this.audit(frame.type, errorCodeOf(err), targetOf(frame));
      this.handlerFailed(frame, err);
    }
  }

  /** NOT_AUTHORIZED, audited, for a request the principal may not make. [SEC-5] [SEC-8] */
  private permitted(frame: HandledFrame): boolean {
    const need = needOf(frame);
    if (need === undefined) return true;
    const { action, station } = need;
    if (action === 'see' ? this.sees(station) : this.may(action, station)) return true;
    const message =
      action === 'see'
        ? `${this.principal} may not see station '${station}'`
        : `${this.principal} may not ${action} on station '${station}'`;
    this.auditRefusal(frame.type, 'NOT_AUTHORIZED', targetOf(frame), message);
    const id = 'id' in frame ? frame.id : 0;
    this.send(errorFrame(this.limits, id, 'NOT_AUTHORIZED', message));
    return false;
  }

  private handlerFailed(frame: HandledFrame, err: unknown): void {
    const id = 'id' in frame ? frame.id : 0;
    const sid = 'sid' in frame ? frame.sid : undefined;
    if (err instanceof FerryError) {
      this.options.log.debug(
        this.logFields({ frame: frame.type, id, code: err.code }),
        err.message,
      );
      this.send(errorFrame(this.limits, id, err.code, err.message, sid, err.retriable));
      return;
    }
    this.options.log.error(this.logFields({ frame: frame.type, id, err }), 'frame handler failed');
    this.send(
      errorFrame(this.limits, id, 'INTERNAL', `internal error (connection ${this.id})`, sid),
    );
  }

  // --- Closing ---

  /** Sends an error frame for request `id` with what is queued, then ends the transport. */
  private fail(id: number, code: ErrorCode, message: string): void {
    if (this.state === 'closed') return;
    if (this.state !== 'open') this.instruments.handshakeFailed(code);
    this.send(errorFrame(this.limits, id, code, message));
    if (this.closed) return; // the error frame tipped a full buffer over its bound
    this.outbound.flush();
    this.sink.end();
    this.lingerTimer = setTimeout(() => this.sink.destroy(), CLOSE_LINGER_MS).unref();
    this.finish(code);
  }

  private slowConsumer(reason = 'the outbound buffer is full'): void {
    this.options.log.warn(
      this.logFields({
        code: 'SLOW_CONSUMER',
        outbound: this.outbound.bytes,
        limit: this.outbound.hardLimit,
      }),
      'peer is not reading; closing',
    );
    // Nothing queued is worth keeping; the error frame is best effort behind a full buffer.
    this.outbound.stop();
    const error = encodeServerFrame(
      errorFrame(this.limits, 0, 'SLOW_CONSUMER', reason),
      this.limits,
    );
    this.instruments.sent('error', error.length);
    this.instruments.slowConsumer();
    this.sink.write([error], () => {});
    this.sink.destroy();
    this.finish('SLOW_CONSUMER');
  }

  /** Marks the connection closed, stops its timers and tells the listeners, once. */
  private finish(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.instruments.closed();
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.expiryTimer);
    this.handshakeAbort.abort();
    this.heartbeat.stop();
    this.outbound.stop();
    this.gate.clear();
    this.options.log.debug(this.logFields({ reason }), 'connection closed');
    const listeners = this.closeListeners;
    this.closeListeners = [];
    this.accessListeners = [];
    for (const listener of listeners) {
      try {
        listener();
      } catch (err) {
        this.options.log.error(this.logFields({ err }), 'a close listener failed');
      }
    }
  }

  private logFields(fields: object): object {
    return { conn: this.id, transport: this.transport, ...fields };
  }
}

/** What AUTH_FAILED tells the client: that a credential expired, and nothing else. */
function refusalMessage(refusal: AuthRefusal): string {
  return refusal.expired === true
    ? 'the credentials have expired'
    : 'the credentials were not accepted';
}

function errorCodeOf(err: unknown): string {
  return err instanceof FerryError ? err.code : 'INTERNAL';
}
