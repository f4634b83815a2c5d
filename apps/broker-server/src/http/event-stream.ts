/** A server-sent event stream of a group: its own member, with the prefetch as credit. */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { DeliveredMessage, ErrorCode, Limits } from '@ferry/protocol';
import type { Principal } from '../auth/outcome.js';
import type { FrameHandlers } from '../server/types.js';
import { HTTP_CONSUME_BOUNDS } from './consume-bounds.js';
import { deliveredJson } from './delivered-json.js';
import {
  HeldDeliveries,
  type Settled,
  type SettleKind,
  type SettleOptions,
  settleHeld,
} from './held-deliveries.js';
import type { HttpConsumers } from './http-members.js';
import { MemberConnection, type MemberOwner } from './member-connection.js';
import type { Receipt } from './receipt.js';

export type AckMode = 'auto' | 'explicit';

/**
 * One event stream: a member of its own, with the prefetch as credit. With ack 'auto' a
 * message is acked once its event is written and flushed, with 'explicit' when the client
 * posts its receipt; either way its credit comes back only then, and nothing more is taken
 * while the response is not draining, so a slow reader holds at most `prefetch` messages and
 * one response buffer.
 */
export class EventStream implements MemberOwner {
  readonly id = randomBytes(8).toString('hex');
  private who: Principal;
  private expiry: NodeJS.Timeout | undefined;
  readonly conn: MemberConnection;
  private readonly held = new HeldDeliveries();
  private toAck: Array<{ partition: number; offset: number }> = [];
  private acking = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private ackTimeoutMs = 30_000;
  private closed = false;

  constructor(
    private readonly consumers: HttpConsumers,
    readonly res: ServerResponse,
    readonly station: string,
    readonly group: string,
    readonly mode: AckMode,
    readonly prefetch: number,
    principal: Principal,
    handlers: FrameHandlers,
    private readonly limits: Limits,
  ) {
    this.who = principal;
    this.conn = new MemberConnection(`http-sse-${this.id}`, principal.name, handlers, limits, this);
    res.once('close', () => this.closedByPeer());
    this.armExpiry();
  }

  /** Who the stream reads for: its credentials' expiry ends it, as a connection's does. [SEC-6] */
  get principal(): Principal {
    return this.who;
  }

  /**
   * After a reload: the principal under the new configuration, or undefined when it is no longer
   * accepted; a stream that may no longer consume ends. [SEC-5]
   */
  refresh(now: Principal | undefined): void {
    if (now === undefined) {
      this.end('AUTH_EXPIRED', 'the credentials were revoked by a configuration reload');
      return;
    }
    this.who = now;
    if (!now.permissions.allows('consume', this.station)) {
      this.end('NOT_AUTHORIZED', `${now.name} may no longer consume on station '${this.station}'`);
      return;
    }
    this.armExpiry();
  }

  private armExpiry(): void {
    clearTimeout(this.expiry);
    const at = this.who.expiresAt;
    if (at === undefined) return;
    // Timers overflow past 2^31 - 1 ms: a far expiry is checked again when that runs out.
    this.expiry = setTimeout(
      () => {
        if (Date.now() < at) this.armExpiry();
        else this.end('AUTH_EXPIRED', 'the credentials expired; reconnect with fresh ones');
      },
      Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1),
    ).unref();
  }

  /** Joins the group (refused before any byte is written), then starts the stream. */
  async open(lastEventId: string | undefined): Promise<void> {
    const { coordinator } = await this.conn.subscribe(this.station, this.group);
    if (this.res.destroyed) {
      this.closedByPeer();
      return;
    }
    this.ackTimeoutMs = coordinator.settings.ackTimeoutMs;
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    const resumed =
      lastEventId === undefined ? '' : `: after ${lastEventId}: resuming where the group is\n`;
    this.res.write(`${resumed}: ${this.mode} acks, prefetch ${this.prefetch}\n\n`);
    this.heartbeat = setInterval(() => this.tick(), HTTP_CONSUME_BOUNDS.heartbeatMs);
    this.heartbeat.unref();
    await this.conn.credit(this.prefetch);
  }

  /** Resolves once the stream is over. */
  done(): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) resolve();
      else this.res.once('close', () => resolve());
    });
  }

  deliver(messages: DeliveredMessage[]): boolean {
    let ok = true;
    let returned = 0;
    const at = Date.now();
    for (const m of messages) {
      const event = `id: ${m.partition}:${m.offset}\nevent: message\ndata: ${JSON.stringify(deliveredJson(this.station, this.group, m, this.id))}\n\n`;
      if (this.mode === 'auto') {
        const ref = { partition: m.partition, offset: m.offset };
        ok = this.res.write(event, (err) => {
          if (err == null) this.written(ref);
        });
      } else {
        if (this.held.hold(m, at)) returned++;
        ok = this.res.write(event);
      }
    }
    // A message redelivered to this stream after its ack timeout took a new credit.
    if (returned > 0) void this.giveBack(returned);
    return ok;
  }

  drained(): Promise<void> {
    this.draining ??= new Promise<void>((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        this.draining = undefined;
        resolve();
      };
      if (this.res.destroyed || !this.res.writableNeedDrain) done();
      else {
        this.res.once('drain', done);
        this.res.once('close', done);
      }
    });
    return this.draining;
  }

  ended(code: ErrorCode, message: string): void {
    this.end(code, message);
  }

  /** Explicit acks: settles this stream's receipts, and gives their credit back. */
  async settle(kind: SettleKind, receipts: Receipt[], options: SettleOptions): Promise<Settled> {
    const before = this.held.size;
    const result = await settleHeld(this.conn, this.held, kind, receipts, options);
    await this.giveBack(before - this.held.size);
    return result;
  }

  /** Writes a last event saying why, and ends the stream. */
  end(code: ErrorCode, message: string): void {
    if (this.closed) return;
    if (!this.res.destroyed && this.res.headersSent)
      this.res.end(`event: end\ndata: ${JSON.stringify({ code, message })}\n\n`);
    else this.res.destroy();
    this.closedByPeer();
  }

  private written(ref: { partition: number; offset: number }): void {
    this.toAck.push(ref);
    this.ackSoon();
  }

  private ackSoon(): void {
    if (this.acking || this.toAck.length === 0 || this.conn.closed) return;
    this.acking = true;
    setImmediate(() => void this.ackWritten());
  }

  /** Acks what was flushed, in frames of at most maxBatchMessages, and gives the credit back. */
  private async ackWritten(): Promise<void> {
    try {
      while (this.toAck.length > 0 && !this.conn.closed) {
        const refs = this.toAck.splice(0, this.limits.maxBatchMessages);
        await this.conn.settle('ack', refs);
        await this.giveBack(refs.length);
      }
    } catch {
      // The stream closed under the ack: its member left, the group has the messages back.
    } finally {
      this.acking = false;
      this.ackSoon();
    }
  }

  private async giveBack(credit: number): Promise<void> {
    if (credit <= 0 || this.conn.closed) return;
    try {
      await this.conn.credit(credit);
    } catch {
      // Closed meanwhile.
    }
  }

  /** The heartbeat; with explicit acks, deliveries past their ack timeout give their credit back. */
  private tick(): void {
    if (this.closed) return;
    this.res.write(': ping\n\n');
    if (this.mode === 'explicit') void this.giveBack(this.held.expire(this.ackTimeoutMs));
  }

  private closedByPeer(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.expiry);
    this.consumers.forgetStream(this);
    // The member leaves: what was in flight to it goes back to the group at once. [CONS-8]
    this.conn.end();
  }
}
