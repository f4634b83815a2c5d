/**
 * One consumer group of one station: its members share the group's messages,
 * each delivered to one member at a time, in offset order per partition (with
 * ordering 'partition', each partition to the one member that owns it);
 * redelivered on nack, ack timeout or a member leaving; dead-lettered after
 * maxDeliveries. The durable part (cursor, done set, delivery counts, delays)
 * is in the GroupStore; what is in flight, and to whom, is here.
 */
import type {
  DeliveredMessage,
  GroupInfo,
  GroupOrdering,
  Limits,
  MessageRef,
} from '@ferry/protocol';
import type { Logger } from 'pino';
import type { DeadLetterRecord, GroupOp, GroupStore, StoredRecord } from '../../storage/types.js';
import type { Station } from '../stations.js';
import { Backlog, doneOp, type Pending, type Picked } from './backlog.js';
import { type Member, refKey } from './member.js';
import { PartitionOwners } from './ownership.js';

export interface GroupSettings {
  ackTimeoutMs: number;
  maxDeliveries: number;
  ordering: GroupOrdering;
}

/** A message delivered to a member and not yet settled. */
interface Flight extends Pending {
  member: Member;
  deadline: number;
  /** Deliveries so far, this one included. */
  count: number;
}

export const MAX_DELIVERIES_REASON = 'max deliveries exceeded';
/** Why a message is dead-lettered when its last delivery ended with its subscription. [CONS-9] */
export const ENDED_IN_FLIGHT_REASON =
  'max deliveries exceeded: the subscription ended while it was in flight';

export class GroupCoordinator {
  readonly members: Member[] = [];
  private readonly inFlight = new Map<string, Flight>();
  private readonly backlog: Backlog;
  /** Who owns which partition, with ordering 'partition'. [GROUP-4] */
  private readonly owners: PartitionOwners | undefined;
  private turn = 0;
  private pumping = false;
  private again = false;
  /** Set by close: nothing is delivered any more, and a delivery cut short by it is no error. */
  private closed = false;
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(
    readonly station: Station,
    readonly store: GroupStore,
    readonly settings: GroupSettings,
    private readonly limits: Limits,
    private readonly log: Logger,
  ) {
    this.backlog = new Backlog(station, store, limits, (key) => this.inFlight.has(key));
    if (settings.ordering === 'partition')
      this.owners = new PartitionOwners(station.store.config.partitions);
    // One periodic sweep rather than a timer per message; it also picks up delays that
    // have passed and records that became readable after their produce was acknowledged.
    const every = Math.max(10, Math.min(250, Math.floor(settings.ackTimeoutMs / 4)));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  get name(): string {
    return this.store.name;
  }

  /** Resent dead letters not yet acknowledged. */
  get resentCount(): number {
    let n = this.backlog.resentCount;
    for (const f of this.inFlight.values()) if (f.resent !== undefined) n++;
    return n;
  }

  join(member: Member): void {
    this.members.push(member);
    this.owners?.rebalance(this.members);
  }

  /**
   * The member's in-flight messages go back to the others at once [CONS-8], except those
   * delivered maxDeliveries times: their last delivery ended too, so they are dead-lettered. [CONS-9]
   */
  leave(member: Member): void {
    member.left = true;
    const i = this.members.indexOf(member);
    if (i >= 0) this.members.splice(i, 1);
    this.owners?.rebalance(this.members);
    const ended: Flight[] = [];
    for (const key of member.inFlight) {
      const f = this.inFlight.get(key);
      if (f === undefined) continue;
      this.inFlight.delete(key);
      ended.push(f);
    }
    member.releaseAll();
    this.endDeliveries(ended);
    this.pump();
  }

  /** Resent dead letters go to this group only, counted from a first delivery. [DLS-3] */
  resend(entries: DeadLetterRecord[]): void {
    for (const e of entries) {
      const key = refKey(e.partition, e.offset);
      if (this.inFlight.has(key) || this.backlog.has(key)) {
        this.log.warn(
          { group: this.name, key },
          'resent message already pending; not queued twice',
        );
        continue;
      }
      this.backlog.add({ partition: e.partition, offset: e.offset, resent: e, count: 0 }, 0);
    }
    this.pump();
  }

  /** Settles refs in flight to `member`; returns those that were not. [CONS-4] */
  async ack(member: Member, refs: MessageRef[]): Promise<MessageRef[]> {
    const { flights, invalid } = this.take(member, refs);
    const resent = flights.flatMap((f) => (f.resent === undefined ? [] : [f.resent.id]));
    try {
      await this.store.apply(flights.filter((f) => f.resent === undefined).map(doneOp));
      if (resent.length > 0) await this.station.store.deadLetters.remove(resent);
    } catch (err) {
      for (const f of flights) this.backlog.add(f, 0);
      throw err;
    }
    this.pump();
    return invalid;
  }

  /** Redeliverable now or after delayMs; dead-lettered once maxDeliveries is reached. [CONS-5] */
  async nack(member: Member, refs: MessageRef[], delayMs: number): Promise<MessageRef[]> {
    const { flights, invalid } = this.take(member, refs);
    const until = Date.now() + delayMs;
    const ops: GroupOp[] = [];
    const dead: Flight[] = [];
    for (const f of flights) {
      if (f.count >= this.settings.maxDeliveries) {
        dead.push(f);
        continue;
      }
      this.backlog.add(f, delayMs > 0 ? until : 0);
      if (delayMs > 0 && f.resent === undefined)
        ops.push({ op: 'delay', partition: f.partition, offset: f.offset, until });
    }
    await this.store.apply(ops);
    await Promise.all(dead.map((f) => this.deadLetterOne(f, MAX_DELIVERIES_REASON)));
    this.pump();
    return invalid;
  }

  async deadLetter(member: Member, refs: MessageRef[], reason: string): Promise<MessageRef[]> {
    const { flights, invalid } = this.take(member, refs);
    await Promise.all(flights.map((f) => this.deadLetterOne(f, reason)));
    this.pump();
    return invalid;
  }

  info(): GroupInfo {
    return {
      name: this.name,
      members: this.members.length,
      pending: this.inFlight.size,
      lag: this.backlog.lag(),
      ackTimeoutMs: this.settings.ackTimeoutMs,
      maxDeliveries: this.settings.maxDeliveries,
      ordering: this.settings.ordering,
    };
  }

  /** Every offset below this is done in `partition`. */
  cursor(partition: number): number | undefined {
    return this.store.state(partition)?.cursor;
  }

  /** Delivers while some member has credit and messages are available; one run at a time. */
  pump(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.run()
      .catch((err: unknown) => {
        // The station or group went away under a delivery: its store closed, nothing was lost.
        if (this.closed) this.log.debug({ err, group: this.name }, 'delivery stopped by close');
        else this.log.error({ err, group: this.name }, 'delivery failed');
      })
      .finally(() => {
        this.pumping = false;
        if (this.again) this.pump();
      });
  }

  /** Stops delivering (the group or its station is deleted, or the broker stops). */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const m of this.members) m.left = true;
    this.members.length = 0;
    this.inFlight.clear();
  }

  private async run(): Promise<void> {
    do {
      this.again = false;
      while (!this.closed && (await this.deliverOnce()));
    } while (this.again && !this.closed);
  }

  /**
   * One deliver frame to the next ready member that has something to receive; false when nothing
   * can be delivered now. Without ordering every member can take every message, so the first
   * ready member stands for all; with it, each takes only its own partitions. [GROUP-4]
   */
  private async deliverOnce(): Promise<boolean> {
    const owners = this.owners;
    // Only here, between deliveries: what a delivery picked is in flight before any handover.
    owners?.handOver();
    for (const [member, turn] of this.readyMembers()) {
      const accepts = owners && ((p: number) => owners.owns(member, p));
      const max = Math.min(member.credit, this.limits.maxBatchMessages);
      const picked = await this.backlog.take(max, accepts);
      if (picked.length > 0) {
        this.turn = turn;
        await this.deliver(member, picked);
        return true;
      }
      if (owners === undefined) return false;
    }
    return false;
  }

  /** Sends `picked` to `member`, in flight from now on. */
  private async deliver(member: Member, picked: Picked[]): Promise<void> {
    try {
      // Journaled before sending, so delivery counts survive a restart. [CONS-6]
      await this.store.apply(
        picked
          .filter((x) => x.resent === undefined)
          .map((x): GroupOp => ({ op: 'deliver', partition: x.partition, offset: x.offset })),
      );
    } catch (err) {
      for (const x of picked) this.backlog.add(x, 0);
      throw err;
    }
    if (member.left || member.conn.closed) {
      // Journaled as delivered, so counted: their delivery ended with the subscription. [CONS-9]
      this.endDeliveries(
        picked.map((x) => ({ ...x, member, deadline: 0, count: this.deliveries(x) })),
      );
      return;
    }
    const deadline = Date.now() + this.settings.ackTimeoutMs;
    const messages = picked.map((x): DeliveredMessage => {
      const count = this.deliveries(x);
      // Built field by field: object rest and spread here cost a fifth of a fan-out's CPU.
      const flight: Flight = { partition: x.partition, offset: x.offset, member, deadline, count };
      if (x.resent !== undefined) flight.resent = x.resent;
      const key = refKey(x.partition, x.offset);
      this.inFlight.set(key, flight);
      member.hold(x.partition, key);
      return delivered(x.partition, x.record, count);
    });
    member.credit -= messages.length;
    if (!member.conn.send({ type: 'deliver', sid: member.sid, messages })) {
      member.blocked = true;
      void member.conn.drained().then(() => {
        member.blocked = false;
        this.pump();
      });
    }
  }

  /** The ready members in turn order, each with the turn that follows it. */
  private *readyMembers(): Generator<[Member, number]> {
    // A snapshot: members may join or leave while a delivery is being prepared.
    const members = [...this.members];
    for (let i = 0; i < members.length; i++) {
      const at = (this.turn + i) % members.length;
      const m = members[at];
      if (m?.ready) yield [m, (at + 1) % members.length];
    }
  }

  /** Deliveries of a picked message, the one being made included. */
  private deliveries(x: Pending): number {
    return x.resent !== undefined
      ? (x.count ?? 0) + 1
      : (this.store.state(x.partition)?.deliveries.get(x.offset) ?? 1);
  }

  /**
   * Deliveries that ended with their subscription: redeliverable at once, or dead-lettered
   * (once: they are out of flight) after maxDeliveries. [CONS-8] [CONS-9]
   */
  private endDeliveries(flights: Flight[]): void {
    for (const f of flights) {
      if (f.count < this.settings.maxDeliveries) this.backlog.add(f, 0);
      else this.deadLetterLater(f, ENDED_IN_FLIGHT_REASON);
    }
  }

  /** Dead-letters in the background; on failure the message stays deliverable. */
  private deadLetterLater(f: Flight, reason: string): void {
    void this.deadLetterOne(f, reason).catch((err: unknown) => {
      if (this.closed) return;
      this.log.error(
        { err, group: this.name, key: refKey(f.partition, f.offset) },
        'dead-lettering failed; will redeliver',
      );
      this.backlog.add(f, 0);
      this.pump();
    });
  }

  /** Ack timeouts: redeliverable, or dead-lettered after maxDeliveries (once). [CONS-7] */
  private sweep(): void {
    const now = Date.now();
    for (const [key, f] of this.inFlight) {
      if (f.deadline > now) continue;
      this.inFlight.delete(key);
      f.member.release(f.partition, key);
      if (f.count < this.settings.maxDeliveries) this.backlog.add(f, 0);
      else this.deadLetterLater(f, MAX_DELIVERIES_REASON);
    }
    this.pump();
  }

  /** To the station's dead-letter store (unless disabled), then done for the group. [DLS-1] */
  private async deadLetterOne(f: Flight, reason: string): Promise<void> {
    const record =
      f.resent ??
      (
        await this.station.store
          .partition(f.partition)
          .read(f.offset, { maxRecords: 1, maxBytes: 1 })
      )[0];
    if (record?.offset === f.offset && this.station.config.deadLetter.enabled !== false) {
      await this.station.store.deadLetters.add({
        ...delivered(f.partition, record, f.count),
        group: this.name,
        reason,
        deadLetteredAt: Date.now(),
      });
    }
    if (f.resent === undefined) await this.store.apply([doneOp(f)]);
    else await this.station.store.deadLetters.remove([f.resent.id]);
  }

  /** Takes the refs in flight to `member` out of flight; the others are returned as invalid. */
  private take(member: Member, refs: MessageRef[]): { flights: Flight[]; invalid: MessageRef[] } {
    const flights: Flight[] = [];
    const invalid: MessageRef[] = [];
    for (const ref of refs) {
      const key = refKey(ref.partition, ref.offset);
      const f = this.inFlight.get(key);
      if (f === undefined || f.member !== member) {
        invalid.push(ref);
        continue;
      }
      this.inFlight.delete(key);
      member.release(ref.partition, key);
      flights.push(f);
    }
    return { flights, invalid };
  }
}

function delivered(
  partition: number,
  record: StoredRecord,
  deliveryCount: number,
): DeliveredMessage {
  const m: DeliveredMessage = {
    partition,
    offset: record.offset,
    timestamp: record.timestamp,
    deliveryCount,
    payload: record.payload,
  };
  if (record.headers !== undefined) m.headers = record.headers;
  if (record.key !== undefined) m.key = record.key;
  if (record.msgId !== undefined) m.msgId = record.msgId;
  return m;
}
