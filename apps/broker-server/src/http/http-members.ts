/**
 * The group members behind the HTTP API's consume routes, one set per broker:
 *
 * - one pull member per station and group, joined on the first pull and kept: a pull grants
 *   it credit for its `max` while it waits and takes it back when it ends, so the member
 *   buffers nothing between pulls; what a pull returned stays in flight to the member until
 *   it is settled with its receipt or its ack timeout passes (CONS-7), as for any member;
 * - one member per event stream, joined for the stream's life with its prefetch as credit.
 *
 * Waiting pulls and streams are bounded per broker and per group (OVERLOADED past them).
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type DeliveredMessage, type ErrorCode, FerryError, type Limits } from '@ferry/protocol';
import type { Membership } from '../broker/groups/registry.js';
import type { FrameHandlers } from '../server/types.js';
import { MemberConnection, type MemberOwner } from './member-connection.js';
import { messageJson } from './message-json.js';
import { encodeReceipt, type Receipt, refKey } from './receipt.js';

export const HTTP_CONSUME_BOUNDS = {
  /** Pulls waiting at once on one broker, and on one group. */
  maxWaitingPulls: 1000,
  maxWaitingPullsPerGroup: 100,
  /** Event streams open at once on one broker, and on one group. */
  maxStreams: 1000,
  maxStreamsPerGroup: 100,
  /** Comment lines keep an idle stream alive through proxies. */
  heartbeatMs: 15_000,
};

export type SettleKind = 'ack' | 'nack' | 'deadLetter';
export interface SettleOptions {
  delayMs?: number;
  reason?: string;
}
export interface Settled {
  settled: Receipt[];
  notPending: Receipt[];
}

/** A delivery in flight to an HTTP member: its deliveryCount, and when it arrived. */
interface Held {
  count: number;
  at: number;
}

const PULL_MEMBER = 'pull';
/** How long a pull member with nothing in flight stays after its last pull. */
const IDLE_LEAVE_MS = 2000;
const groupKey = (station: string, group: string) => `${station}\u0000${group}`;
const byHandlers = new WeakMap<FrameHandlers, HttpConsumers>();

/**
 * What is in flight to one member, in delivery order (a redelivery moves to the end), so
 * deliveries older than the ack timeout are found at the front.
 */
class HeldDeliveries {
  private readonly map = new Map<string, Held>();

  get size(): number {
    return this.map.size;
  }

  /** Records a delivery; true if it replaced an older one of the same message. */
  hold(m: DeliveredMessage, at: number): boolean {
    const key = refKey(m.partition, m.offset);
    const replaced = this.map.delete(key);
    this.map.set(key, { count: m.deliveryCount, at });
    return replaced;
  }

  /** Whether the receipt names the delivery in flight now. */
  matches(r: Receipt): boolean {
    return this.map.get(refKey(r.partition, r.offset))?.count === r.deliveryCount;
  }

  /** Forgets the receipt's delivery (if it is the one held); true if it was. */
  drop(r: Receipt): boolean {
    const key = refKey(r.partition, r.offset);
    if (this.map.get(key)?.count !== r.deliveryCount) return false;
    return this.map.delete(key);
  }

  /** Forgets deliveries older than the ack timeout (the group took them back); how many. */
  expire(ackTimeoutMs: number, now = Date.now()): number {
    let n = 0;
    for (const [key, held] of this.map) {
      if (now - held.at <= ackTimeoutMs) break;
      this.map.delete(key);
      n++;
    }
    return n;
  }
}

/** Settles the receipts that name deliveries held by `held`, through `conn`. */
async function settleHeld(
  conn: MemberConnection,
  held: HeldDeliveries,
  kind: SettleKind,
  receipts: Receipt[],
  options: SettleOptions,
): Promise<Settled> {
  const valid: Receipt[] = [];
  const notPending: Receipt[] = [];
  const seen = new Set<string>();
  for (const r of receipts) {
    const key = refKey(r.partition, r.offset);
    if (held.matches(r) && !seen.has(key)) valid.push(r);
    else notPending.push(r);
    seen.add(key);
  }
  // Checked and taken in one turn: the handler takes the refs before its first await.
  const missing = await conn.settle(
    kind,
    valid.map((r) => ({ partition: r.partition, offset: r.offset })),
    options,
  );
  const gone = new Set(missing.map((m) => refKey(m.partition, m.offset)));
  const settled: Receipt[] = [];
  for (const r of valid) {
    held.drop(r);
    if (gone.has(refKey(r.partition, r.offset))) notPending.push(r);
    else settled.push(r);
  }
  return { settled, notPending };
}

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
class PullMember implements MemberOwner {
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

function receiptOf(
  station: string,
  group: string,
  m: DeliveredMessage,
  member = PULL_MEMBER,
): Receipt {
  return {
    station,
    group,
    member,
    partition: m.partition,
    offset: m.offset,
    deliveryCount: m.deliveryCount,
  };
}

/** A delivered message as JSON, with the receipt that settles it. */
export function deliveredJson(
  station: string,
  group: string,
  m: DeliveredMessage,
  member = PULL_MEMBER,
) {
  return { ...messageJson(m), receipt: encodeReceipt(receiptOf(station, group, m, member)) };
}

export type AckMode = 'auto' | 'explicit';

/**
 * One event stream: a member of its own, with the prefetch as credit. With ack 'auto' a
 * message is acked once its event is written and flushed, with 'explicit' when the client
 * posts its receipt; either way its credit comes back only then, and nothing more is taken
 * while the response is not draining, so a slow reader holds at most `prefetch` messages and
 * one response buffer.
 */
class EventStream implements MemberOwner {
  readonly id = randomBytes(8).toString('hex');
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
    principal: string,
    handlers: FrameHandlers,
    private readonly limits: Limits,
  ) {
    this.conn = new MemberConnection(`http-sse-${this.id}`, principal, handlers, limits, this);
    res.once('close', () => this.closedByPeer());
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
    this.consumers.forgetStream(this);
    // The member leaves: what was in flight to it goes back to the group at once. [CONS-8]
    this.conn.end();
  }
}

/** The HTTP consumers of one broker. */
export class HttpConsumers {
  private readonly pulls = new Map<string, PullMember>();
  private readonly streams = new Map<string, EventStream>();
  private waiting = 0;
  private stopping: string | undefined;

  private constructor(
    private readonly handlers: FrameHandlers,
    private readonly limits: Limits,
  ) {}

  /** The consumers of the broker whose frame handlers these are. */
  static of(handlers: FrameHandlers, limits: Limits): HttpConsumers {
    let consumers = byHandlers.get(handlers);
    if (consumers === undefined) {
      consumers = new HttpConsumers(handlers, limits);
      byHandlers.set(handlers, consumers);
    }
    return consumers;
  }

  /** Up to `max` messages of the group, waiting up to `waitMs` for the first. */
  async pull(
    station: string,
    group: string,
    options: { max: number; maxBytes: number; waitMs: number },
    signal: AbortSignal,
  ): Promise<{ messages: DeliveredMessage[]; unsent(): void }> {
    if (this.waiting >= HTTP_CONSUME_BOUNDS.maxWaitingPulls)
      throw new FerryError('OVERLOADED', `${this.waiting} pulls are waiting on this broker`);
    this.waiting++;
    try {
      for (;;) {
        this.checkRunning();
        const member = this.pullMember(station, group);
        const messages = await member.pull(options.max, options.maxBytes, options.waitMs, signal);
        if (messages !== undefined) return { messages, unsent: () => member.unsent(messages) };
      }
    } finally {
      this.waiting--;
    }
  }

  private pullMember(station: string, group: string): PullMember {
    const key = groupKey(station, group);
    let member = this.pulls.get(key);
    if ((member?.waiting ?? 0) >= HTTP_CONSUME_BOUNDS.maxWaitingPullsPerGroup)
      throw new FerryError(
        'OVERLOADED',
        `${member?.waiting} pulls are waiting on group '${group}'`,
      );
    if (member === undefined) {
      member = new PullMember(this, station, group, this.handlers, this.limits);
      this.pulls.set(key, member);
    }
    return member;
  }

  /** Settles receipts of the group's pull member and of its streams with explicit acks. */
  async settle(
    station: string,
    group: string,
    kind: SettleKind,
    receipts: Receipt[],
    options: SettleOptions,
  ): Promise<Settled> {
    const byMember = new Map<string, Receipt[]>();
    const notPending: Receipt[] = [];
    for (const r of receipts) {
      if (r.station !== station || r.group !== group) notPending.push(r);
      else byMember.set(r.member, [...(byMember.get(r.member) ?? []), r]);
    }
    const settled: Receipt[] = [];
    for (const [name, list] of byMember) {
      const stream = this.streams.get(name);
      const member =
        name === PULL_MEMBER
          ? this.pulls.get(groupKey(station, group))
          : stream !== undefined && stream.station === station && stream.group === group
            ? stream
            : undefined;
      if (member === undefined) {
        notPending.push(...list);
        continue;
      }
      const result = await member.settle(kind, list, options);
      settled.push(...result.settled);
      notPending.push(...result.notPending);
    }
    return { settled, notPending };
  }

  /** Opens an event stream on `res`: refused (before any byte) past the bounds or by the group. */
  async openStream(
    res: ServerResponse,
    station: string,
    group: string,
    options: { mode: AckMode; prefetch: number; principal: string; lastEventId?: string },
  ): Promise<EventStream> {
    this.checkRunning();
    if (this.streams.size >= HTTP_CONSUME_BOUNDS.maxStreams)
      throw new FerryError('OVERLOADED', `${this.streams.size} event streams are open`);
    let ofGroup = 0;
    for (const s of this.streams.values())
      if (s.station === station && s.group === group) ofGroup++;
    if (ofGroup >= HTTP_CONSUME_BOUNDS.maxStreamsPerGroup)
      throw new FerryError('OVERLOADED', `${ofGroup} event streams are open on group '${group}'`);
    const stream = new EventStream(
      this,
      res,
      station,
      group,
      options.mode,
      options.prefetch,
      options.principal,
      this.handlers,
      this.limits,
    );
    this.streams.set(stream.id, stream);
    try {
      await stream.open(options.lastEventId);
    } catch (err) {
      this.forgetStream(stream);
      stream.conn.end();
      throw err;
    }
    return stream;
  }

  /** The broker stops: waiting pulls answer what they hold, streams end with SHUTTING_DOWN. */
  stop(reason: string): void {
    this.stopping = reason;
    for (const member of this.pulls.values()) member.stop();
    for (const stream of [...this.streams.values()])
      stream.end('SHUTTING_DOWN', `the broker is stopping (${reason})`);
  }

  forget(member: PullMember): void {
    const key = groupKey(member.station, member.group);
    if (this.pulls.get(key) === member) this.pulls.delete(key);
  }

  forgetStream(stream: EventStream): void {
    this.streams.delete(stream.id);
  }

  private checkRunning(): void {
    if (this.stopping !== undefined)
      throw new FerryError('SHUTTING_DOWN', `the broker is stopping (${this.stopping})`);
  }
}

/** Ends the HTTP consumers of the broker whose handlers these are (it is stopping). */
export function stopHttpConsumers(handlers: FrameHandlers, reason: string): void {
  byHandlers.get(handlers)?.stop(reason);
}
