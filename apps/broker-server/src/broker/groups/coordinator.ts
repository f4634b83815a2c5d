/**
 * One consumer group of one station, as the broker runs it: its members share the group's
 * messages, each delivered to one member at a time (with ordering 'partition', each partition
 * to the one member that owns it), within each member's credit. The backend's group cursor
 * decides what is delivered next and what comes back (nack, ack timeout, a member leaving);
 * what is in flight to whom is here.
 */
import type { GroupInfo, GroupOrdering, Limits, MessageRef } from '@ferry/protocol';
import type { Logger } from 'pino';
import type { DeadLetterRecord, Delivery, GroupCursor, StoredRecord } from '../../backend/types.js';
import { deliveredSizeBound, FrameBudget } from '../frame-budget.js';
import { type PushSettings, pushInfo } from '../push/push-settings.js';
import type { Station } from '../stations/station.js';
import type { OneGroupMetrics } from './group-metrics.js';
import type { Member } from './member.js';
import { PartitionOwners } from './ownership.js';

export interface GroupSettings {
  ackTimeoutMs: number;
  maxDeliveries: number;
  ordering: GroupOrdering;
  /** The group's push endpoint, if it has one. [GROUP-6] */
  push?: PushSettings;
}

export class GroupCoordinator {
  readonly members: Member[] = [];
  /** Messages handed to members since the broker started, redeliveries included. [INFO-1] */
  delivered = 0;
  /** Who owns which partition, with ordering 'partition'. [GROUP-4] */
  private readonly owners: PartitionOwners | undefined;
  private turn = 0;
  private pumping = false;
  private again = false;
  /** Set by close: nothing is delivered any more, and a delivery cut short by it is no error. */
  private closed = false;

  constructor(
    readonly station: Station,
    readonly cursor: GroupCursor,
    readonly settings: GroupSettings,
    private readonly limits: Limits,
    private readonly log: Logger,
    private readonly metrics: OneGroupMetrics,
  ) {
    if (settings.ordering === 'partition')
      this.owners = new PartitionOwners(station.backend.config.partitions);
    cursor.onWake((expired) => {
      this.expire(expired);
      this.pump();
    });
    cursor.onDeadLettered((count) => metrics.deadLettered(count));
  }

  get name(): string {
    return this.cursor.name;
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
    this.cursor.release(member.releaseAll());
    if (this.members.length === 0) this.cursor.idle?.();
    this.pump();
  }

  /**
   * Every member is out, and what was in flight to them stays with the cursor, which a seek
   * then drops (not redelivered, nor dead-lettered at maxDeliveries). [GROUP-5]
   */
  removeMembers(): void {
    for (const member of this.members) {
      member.left = true;
      member.releaseAll();
    }
    this.members.length = 0;
    this.owners?.rebalance(this.members);
  }

  /** Resent dead letters go to this group only, counted from a first delivery. [DLS-3] */
  resend(entries: DeadLetterRecord[]): void {
    this.cursor.resend(entries);
    this.pump();
  }

  /** Settles refs in flight to `member`; returns those that were not. [CONS-4] */
  async ack(member: Member, refs: MessageRef[]): Promise<MessageRef[]> {
    const { held, invalid } = this.take(member, refs);
    const missing = await this.cursor.ack(held);
    if (missing.length > 0) invalid.push(...missing);
    this.metrics.settled('ack', held.length);
    this.pump();
    return invalid;
  }

  /** Redeliverable now or after delayMs; dead-lettered once maxDeliveries is reached. [CONS-5] */
  async nack(member: Member, refs: MessageRef[], delayMs: number): Promise<MessageRef[]> {
    const { held, invalid } = this.take(member, refs);
    const missing = await this.cursor.nack(held, delayMs);
    if (missing.length > 0) invalid.push(...missing);
    this.metrics.settled('nack', held.length);
    this.pump();
    return invalid;
  }

  async deadLetter(member: Member, refs: MessageRef[], reason: string): Promise<MessageRef[]> {
    const { held, invalid } = this.take(member, refs);
    const missing = await this.cursor.deadLetter(held, reason);
    if (missing.length > 0) invalid.push(...missing);
    this.metrics.settled('deadLetter', held.length);
    this.pump();
    return invalid;
  }

  async info(): Promise<GroupInfo> {
    const { pending, lag } = await this.cursor.counts();
    const { redeliveries, partitions } = await this.cursor.detail();
    const deadLetters = await this.station.backend.deadLetters.countByGroup();
    return {
      name: this.name,
      members: this.members.length,
      pending,
      lag,
      ackTimeoutMs: this.settings.ackTimeoutMs,
      maxDeliveries: this.settings.maxDeliveries,
      ordering: this.settings.ordering,
      redeliveries,
      partitions,
      deadLetters: deadLetters.get(this.name) ?? 0,
      ...(this.settings.push === undefined ? {} : { push: pushInfo(this.settings.push) }),
    };
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
    for (const m of this.members) m.left = true;
    this.members.length = 0;
  }

  private async run(): Promise<void> {
    do {
      this.again = false;
      while (!this.closed && (await this.deliverOnce()));
    } while (this.again && !this.closed);
  }

  /**
   * One delivery to the next ready member that has something to receive; false when nothing
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
      // Sized by encoded bytes, so the deliver frame stays within maxFrameBytes. [CONS-10]
      const budget = new FrameBudget(this.limits.maxFrameBytes);
      const admit = (record: StoredRecord) => budget.take(deliveredSizeBound(record));
      const picked = await this.cursor.fetch(max, accepts ? { admit, accepts } : { admit });
      if (picked.length > 0) {
        this.turn = turn;
        this.deliver(member, picked);
        return true;
      }
      if (owners === undefined) return false;
    }
    return false;
  }

  /** Hands `picked` to `member`, in flight to it from now on. */
  private deliver(member: Member, picked: Delivery[]): void {
    if (member.left || member.sink.closed) {
      // The cursor counted them as delivered: their delivery ended with the subscription. [CONS-9]
      this.cursor.release(picked.map((d) => ({ partition: d.partition, offset: d.offset })));
      return;
    }
    for (const d of picked) member.hold(d.partition, d.offset);
    member.credit -= picked.length;
    this.metrics.delivered(picked);
    this.delivered += picked.length;
    if (!member.sink.deliver(picked)) {
      member.blocked = true;
      void member.sink.drained().then(() => {
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

  /** Ack timeouts passed: those messages are no longer in flight to anyone. [CONS-7] */
  private expire(refs: MessageRef[]): void {
    for (const ref of refs) {
      for (const m of this.members) if (m.release(ref.partition, ref.offset)) break;
    }
  }

  /** The refs in flight to `member`, out of its hands; the others are returned as invalid. */
  private take(member: Member, refs: MessageRef[]): { held: MessageRef[]; invalid: MessageRef[] } {
    const held: MessageRef[] = [];
    const invalid: MessageRef[] = [];
    for (const ref of refs) {
      if (member.release(ref.partition, ref.offset)) held.push(ref);
      else invalid.push(ref);
    }
    return { held, invalid };
  }
}
