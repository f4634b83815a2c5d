/**
 * A connection's subscriptions by sid: the protocol's side of group membership. Each is a
 * group member whose sink sends deliver frames on the connection; the connection closing makes
 * every member leave.
 */
import type { DeliveredMessage } from '@ferry/protocol';
import { BrokerError } from '../../broker/errors.js';
import type { Membership } from '../../broker/groups/registry.js';
import type { MemberSink } from '../../broker/member-sink.js';
import type { Connection } from '../types.js';

const byConnection = new WeakMap<Connection, Subscriptions>();

/** A subscription's sink: deliver frames on its connection. */
class SubscriptionSink implements MemberSink {
  constructor(
    private readonly conn: Connection,
    private readonly subs: Subscriptions,
    private readonly sid: number,
  ) {}

  deliver(messages: DeliveredMessage[]): boolean {
    return this.conn.send({ type: 'deliver', sid: this.sid, messages });
  }

  drained(): Promise<void> {
    return this.conn.drained();
  }

  get closed(): boolean {
    return this.conn.closed;
  }

  ended(reason: string): void {
    this.subs.forget(this.sid);
    this.conn.sendError(0, 'SUBSCRIPTION_NOT_FOUND', reason, this.sid);
  }
}

export class Subscriptions {
  private readonly members = new Map<number, Membership | 'joining'>();

  private constructor(
    private readonly conn: Connection,
    private readonly max: number,
  ) {
    conn.onClose(() => {
      for (const m of this.members.values()) if (m !== 'joining') m.coordinator.leave(m.member);
      this.members.clear();
    });
    conn.onAccessChange(() => this.endForbidden());
  }

  /** After a reauth or reload: subscriptions the principal may no longer have end. [SEC-6] */
  private endForbidden(): void {
    for (const [sid, m] of [...this.members]) {
      if (m === 'joining') continue;
      const station = m.coordinator.station.name;
      if (this.conn.may('consume', station)) continue;
      this.remove(sid);
      const message = `${this.conn.principal} may no longer consume on station '${station}'`;
      this.conn.sendError(0, 'NOT_AUTHORIZED', message, sid);
    }
  }

  /** The connection's subscriptions, at most `max` of them. */
  static of(conn: Connection, max: number): Subscriptions {
    let subs = byConnection.get(conn);
    if (subs === undefined) {
      subs = new Subscriptions(conn, max);
      byConnection.set(conn, subs);
    }
    return subs;
  }

  /** Adds subscription `sid` as the member `join` makes of its sink. */
  async add(sid: number, join: (sink: MemberSink) => Promise<Membership>): Promise<Membership> {
    if (this.members.has(sid))
      throw new BrokerError('SUBSCRIPTION_EXISTS', `subscription ${sid} exists`);
    if (this.members.size >= this.max)
      throw new BrokerError('TOO_MANY_SUBSCRIPTIONS', `at most ${this.max}`);
    this.members.set(sid, 'joining');
    try {
      const membership = await join(new SubscriptionSink(this.conn, this, sid));
      if (this.conn.closed) {
        membership.coordinator.leave(membership.member);
        throw new BrokerError('SHUTTING_DOWN', 'the connection closed');
      }
      this.members.set(sid, membership);
      return membership;
    } catch (err) {
      this.members.delete(sid);
      throw err;
    }
  }

  /** The subscription `sid`. */
  get(sid: number): Membership {
    const m = this.members.get(sid);
    if (m === undefined || m === 'joining')
      throw new BrokerError('SUBSCRIPTION_NOT_FOUND', `no subscription ${sid} on this connection`);
    return m;
  }

  /** Ends subscription `sid`: its member leaves the group. */
  remove(sid: number): void {
    const { member, coordinator } = this.get(sid);
    this.members.delete(sid);
    coordinator.leave(member);
  }

  /** Forgets a subscription the broker ended (its member already left). */
  forget(sid: number): void {
    this.members.delete(sid);
  }
}
