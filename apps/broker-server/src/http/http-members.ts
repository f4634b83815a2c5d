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
import type { ServerResponse } from 'node:http';
import { type DeliveredMessage, FerryError, type Limits } from '@ferry/protocol';
import type { Principal } from '../auth/outcome.js';
import type { FrameHandlers } from '../server/types.js';
import { HTTP_CONSUME_BOUNDS } from './consume-bounds.js';
import { PULL_MEMBER } from './delivered-json.js';
import { type AckMode, EventStream } from './event-stream.js';
import type { Settled, SettleKind, SettleOptions } from './held-deliveries.js';
import { PullMember } from './pull-member.js';
import type { Receipt } from './receipt.js';

export { HTTP_CONSUME_BOUNDS } from './consume-bounds.js';
export { deliveredJson } from './delivered-json.js';
export type { AckMode } from './event-stream.js';
export type { SettleKind, SettleOptions } from './held-deliveries.js';

const groupKey = (station: string, group: string) => `${station}\u0000${group}`;
const byHandlers = new WeakMap<FrameHandlers, HttpConsumers>();

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
    options: { mode: AckMode; prefetch: number; principal: Principal; lastEventId?: string },
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

  /** After a reload: each stream under its principal's new permissions, or ended. [SEC-5] */
  refresh(current: (principal: Principal) => Principal | undefined): void {
    for (const stream of [...this.streams.values()]) stream.refresh(current(stream.principal));
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

/** Applies reloaded principals to the event streams of the broker whose handlers these are. */
export function refreshHttpConsumers(
  handlers: FrameHandlers,
  current: (principal: Principal) => Principal | undefined,
): void {
  byHandlers.get(handlers)?.refresh(current);
}
