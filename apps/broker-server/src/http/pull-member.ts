/**
 * The pull member of one station and group on this broker: joined on the first pull and kept,
 * granted credit for a pull's `max` while it waits and none between pulls, so it buffers
 * nothing; what a pull returned stays in flight until settled by receipt or its ack timeout
 * passes (CONS-7).
 */
import { randomBytes } from 'node:crypto';
import { type DeliveredMessage, type ErrorCode, FerryError, type Limits } from '@ferry/protocol';
import type { Membership } from '../broker/groups/registry.js';
import type { FrameHandlers } from '../server/types.js';
import { receiptOf } from './delivered-json.js';
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

/** How long a pull member with nothing in flight stays after its last pull. */
const IDLE_LEAVE_MS = 2000;

/** One pull waiting for messages. */
interface Pull {
  max: number;
  maxBytes: number;
  got: DeliveredMessage[];
  bytes: number;
  finished: boolean;
  soon: boolean;
  timer: NodeJS.Timeout | undefined;
  resolve: (messages: DeliveredMessage[]) => void;
}

/** The pull member of one station and group on this broker. */
export class PullMember implements MemberOwner {
  readonly conn: MemberConnection;
  private joined: Promise<Membership> | undefined;
  private readonly queue: Pull[] = [];
  private active: Pull | undefined;
  /** Delivered to the member with no pull to take them (a pull ended as they came). */
  private strays: Array<{ m: DeliveredMessage; at: number }> = [];
  private readonly held = new HeldDeliveries();
  private gone = false;
  private idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly consumers: HttpConsumers,
    readonly station: string,
    readonly group: string,
    handlers: FrameHandlers,
    private readonly limits: Limits,
  ) {
    this.conn = new MemberConnection(
      `http-pull-${randomBytes(4).toString('hex')}`,
      'http pull',
      handlers,
      limits,
      this,
    );
  }

  get waiting(): number {
    return this.queue.length + (this.active === undefined ? 0 : 1);
  }

  private join(): Promise<Membership> {
    this.joined ??= this.conn.subscribe(this.station, this.group).catch((err: unknown) => {
      this.leave();
      throw err;
    });
    return this.joined;
  }

  async pull(
    max: number,
    maxBytes: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<DeliveredMessage[] | undefined> {
    const { coordinator } = await this.join();
    // Left meanwhile (idle, or its group went away): the caller asks a new member.
    if (this.gone) return undefined;
    this.held.expire(coordinator.settings.ackTimeoutMs);
    const room = this.limits.maxCredit - this.held.size;
    if (room <= 0)
      throw new FerryError(
        'OVERLOADED',
        `${this.held.size} pulled messages of group '${this.group}' are not settled: settle them, or wait for their ack timeout`,
      );
    return new Promise((resolve) => {
      const pull: Pull = {
        max: Math.min(max, room),
        maxBytes,
        got: [],
        bytes: 0,
        finished: false,
        soon: false,
        timer: undefined,
        resolve,
      };
      pull.timer = setTimeout(() => this.finish(pull), waitMs);
      signal.addEventListener('abort', () => this.abandon(pull), { once: true });
      this.queue.push(pull);
      this.next();
    });
  }

  /** Messages a pull took but could not answer with go to the next pull. */
  unsent(messages: DeliveredMessage[]): void {
    const at = Date.now();
    this.strays.unshift(...messages.map((m) => ({ m, at })));
    this.next();
  }

  settle(kind: SettleKind, receipts: Receipt[], options: SettleOptions): Promise<Settled> {
    return settleHeld(this.conn, this.held, kind, receipts, options).finally(() => {
      this.strays = this.strays.filter(({ m }) =>
        this.held.matches(receiptOf(this.station, this.group, m)),
      );
      this.idleCheck();
    });
  }

  /**
   * With no pull waiting and nothing in flight to it, the member leaves (releasing nothing),
   * so an idle group has no member left by HTTP pulls; else it looks again after the ack
   * timeout, by which its deliveries are settled or back with the group.
   */
  private idleCheck(timedOut = false): void {
    clearTimeout(this.idle);
    this.idle = undefined;
    if (this.gone || this.waiting > 0 || this.conn.closed || this.joined === undefined) return;
    const membership = this.conn.current();
    if (membership === undefined) return;
    const { ackTimeoutMs } = membership.coordinator.settings;
    this.held.expire(ackTimeoutMs);
    const empty = this.held.size === 0 && this.strays.length === 0;
    // Idle a moment first: a delivery under way when the last pull ended still lands here.
    if (empty && timedOut) {
      this.leave();
      return;
    }
    this.idle = setTimeout(() => this.idleCheck(true), empty ? IDLE_LEAVE_MS : ackTimeoutMs + 1000);
    this.idle.unref();
  }

  deliver(messages: DeliveredMessage[]): boolean {
    const at = Date.now();
    for (const m of messages) this.held.hold(m, at);
    const pull = this.active;
    if (pull === undefined) {
      this.strays.push(...messages.map((m) => ({ m, at })));
      return true;
    }
    for (const m of messages) this.take(pull, m);
    this.settleSoon(pull);
    return true;
  }

  drained(): Promise<void> {
    return Promise.resolve();
  }

  ended(_code: ErrorCode, _message: string): void {
    this.leave();
  }

  /** The group or its station went away, or the broker stops: every pull ends now. */
  leave(): void {
    if (this.gone) return;
    this.gone = true;
    clearTimeout(this.idle);
    this.consumers.forget(this);
    for (const pull of [...this.queue]) this.finish(pull);
    if (this.active !== undefined) this.finish(this.active);
    this.conn.end();
  }

  /** Ends every waiting pull with what it holds (the broker stops): the member stays. */
  stop(): void {
    this.gone = true;
    clearTimeout(this.idle);
    for (const pull of [...this.queue]) this.finish(pull);
    if (this.active !== undefined) this.finish(this.active);
  }

  private take(pull: Pull, m: DeliveredMessage): void {
    pull.got.push(m);
    pull.bytes += m.payload.length;
  }

  private full(pull: Pull): boolean {
    return pull.got.length >= pull.max || pull.bytes >= pull.maxBytes;
  }

  /** Answers at once when full, else after what the group hands over in this turn. */
  private settleSoon(pull: Pull): void {
    if (this.full(pull)) {
      this.finish(pull);
      return;
    }
    if (pull.soon) return;
    pull.soon = true;
    setImmediate(() => this.finish(pull));
  }

  /** The next waiting pull takes the member's credit, after any stray messages. */
  private next(): void {
    if (this.active !== undefined || this.gone) return;
    const pull = this.queue.shift();
    if (pull === undefined) return;
    this.active = pull;
    const membership = this.conn.current();
    if (membership === undefined) {
      this.finish(pull);
      return;
    }
    const { member, coordinator } = membership;
    // A stray is handed out only while most of its ack timeout is still ahead of it.
    const fresh = Date.now() - coordinator.settings.ackTimeoutMs / 2;
    while (this.strays.length > 0 && !this.full(pull)) {
      const stray = this.strays.shift();
      if (stray === undefined) break;
      if (stray.at >= fresh && this.held.matches(receiptOf(this.station, this.group, stray.m)))
        this.take(pull, stray.m);
    }
    if (pull.got.length > 0) {
      this.finish(pull);
      return;
    }
    member.credit = pull.max;
    coordinator.pump();
  }

  private finish(pull: Pull): void {
    if (pull.finished) return;
    pull.finished = true;
    clearTimeout(pull.timer);
    const i = this.queue.indexOf(pull);
    if (i >= 0) this.queue.splice(i, 1);
    if (this.active === pull) {
      this.active = undefined;
      // Nothing more comes to the member until the next pull asks.
      const membership = this.conn.current();
      if (membership !== undefined) membership.member.credit = 0;
    }
    pull.resolve(pull.got);
    this.next();
    if (this.waiting === 0) this.idleCheck();
  }

  /** The client went away before its answer: what the pull holds goes to the next one. */
  private abandon(pull: Pull): void {
    if (pull.finished) return;
    const got = pull.got;
    pull.got = [];
    this.finish(pull);
    if (got.length > 0) this.unsent(got);
  }
}
