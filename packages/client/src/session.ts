/**
 * One live session: its writer, its heartbeat, and the loop that reads the server's frames
 * and dispatches them. The connection owns the lifecycle; a session reports how it ended.
 */
import {
  type ClientFrame,
  type ErrorFrame,
  encodeClientFrame,
  type GoingAwayFrame,
  type Limits,
} from '@ferry/protocol';
import { dispatch, type FrameHandlers, serverError } from './dispatch.js';
import { ConnectionError, ProtocolViolationError } from './errors.js';
import { Heartbeat } from './heartbeat.js';
import type { Outbox } from './outbox.js';
import type { RequestTable } from './requests.js';
import type { SinkTable } from './sinks.js';
import type { StatusHub } from './status.js';
import type { Transport } from './transport.js';
import { SessionWriter } from './writer.js';

/** What a session shares with its connection, and how it reports back. */
export interface SessionContext {
  readonly outbox: Outbox;
  readonly requests: RequestTable;
  readonly sinks: SinkTable;
  readonly status: StatusHub;
  /** The session ended: the transport closed, went silent, or the server broke the protocol. */
  lost(session: LiveSession, reason: Error | undefined): void;
  goingAway(session: LiveSession, frame: GoingAwayFrame): void;
}

export class LiveSession {
  readonly writer: SessionWriter;
  private readonly heartbeat: Heartbeat;
  private ended = false;

  constructor(
    readonly id: number,
    private readonly transport: Transport,
    frames: AsyncIterator<Uint8Array>,
    private readonly limits: Readonly<Limits>,
    private readonly context: SessionContext,
  ) {
    this.writer = new SessionWriter(transport, id, context.outbox);
    this.heartbeat = new Heartbeat({
      intervalMs: limits.heartbeatIntervalMs,
      idleTimeoutMs: limits.idleTimeoutMs,
      ping: () => this.post({ type: 'ping', id: 0 }),
      idle: () =>
        this.end(new ConnectionError('CONNECTION_CLOSED', 'the server went silent'), true),
    });
    void this.readLoop(frames);
    this.writer.flush();
  }

  /**
   * Writes a frame that gets no reply (credit, ping, pong), after whatever waits in the
   * outbox; false once the session is stopped. After goingAway the heartbeat goes on, so that
   * neither side drops the connection while settlements finish; the connection posts no
   * credit on a leaving session [CLIENT-5].
   */
  post(frame: ClientFrame): boolean {
    return this.writer.post(encodeClientFrame(frame, this.limits));
  }

  /** Closes the transport now (goingAway with nothing left in flight or unsettled). */
  close(): void {
    void this.transport.close();
  }

  /** Stops the heartbeat and the writer and closes the transport; idempotent. */
  stop(): Promise<void> {
    this.ended = true;
    this.heartbeat.stop();
    this.writer.pause();
    return this.transport.close();
  }

  private async readLoop(frames: AsyncIterator<Uint8Array>): Promise<void> {
    const handlers = this.handlers();
    try {
      for (;;) {
        const next = await frames.next();
        if (next.done || this.ended) break;
        this.heartbeat.received();
        dispatch(next.value, this.limits, handlers);
      }
    } catch (error) {
      // The server broke the protocol: drop the connection; the reconnect logic takes over.
      if (error instanceof ProtocolViolationError)
        this.context.status.emit({ type: 'error', error });
      this.end(error instanceof Error ? error : new Error(String(error)), true);
      return;
    }
    this.end(await this.transport.closed(), false);
  }

  private end(reason: Error | undefined, close: boolean): void {
    if (this.ended) return;
    if (close) void this.transport.close();
    this.context.lost(this, reason);
  }

  private handlers(): FrameHandlers {
    const { requests, sinks } = this.context;
    return {
      reply: (frame) => {
        const violation = requests.reply(frame);
        if (violation !== undefined) throw violation;
      },
      error: (frame) => this.onError(frame),
      deliver: (frame) => sinks.get(frame.sid)?.deliver(frame),
      ping: (frame) => this.post({ type: 'pong', id: frame.id }),
      goingAway: (frame) => this.context.goingAway(this, frame),
    };
  }

  private onError(frame: ErrorFrame): void {
    const error = serverError(frame);
    const { requests, sinks, status } = this.context;
    if (frame.id !== 0 && requests.has(frame.id)) {
      requests.settle(frame.id, error);
      return;
    }
    const sink = sinks.get(frame.sid);
    if (sink !== undefined) sink.fail(error);
    // A connection-level error: the server closes next, and the reconnect logic takes over.
    else status.emit({ type: 'error', error });
  }
}
