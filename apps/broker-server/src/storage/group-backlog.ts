/**
 * What a group has to deliver next: redeliveries that are due (nacked, timed
 * out, left behind by a member, durably delayed, or resent from the dead-letter
 * store), then new messages read from the log at the group's read position.
 * Redeliveries only ever hold messages that were in flight, resent (bounded by
 * the registry) or durably delayed, so the queue is bounded by them.
 */
import type { MessageRef } from '@ferry/protocol';
import type { DeadLetterRecord } from '../backend/types.js';
import { byRef, RefMap } from './ref-map.js';
import type { GroupOp, GroupStore, PartitionLog, StoredRecord } from './types.js';

export interface Pending extends MessageRef {
  /** Set for a message resent from the dead-letter store (not tracked by the GroupStore). */
  resent?: DeadLetterRecord;
  /** Deliveries made so far, for a resent message (the GroupStore counts the others). */
  count?: number;
}

/** A message picked for delivery. */
export interface Picked extends Pending {
  record: StoredRecord;
}

export interface Exhausted {
  maxDeliveries: number;
  take(ref: MessageRef, deliveries: number): void;
}

interface Due extends Pending {
  notBefore: number;
}

export function doneOp(ref: MessageRef): GroupOp {
  return { op: 'done', partition: ref.partition, offset: ref.offset };
}

export class Backlog {
  private readonly due = new RefMap<Due>();
  /** Next offset to read from the log, per partition; starts at the durable cursor. */
  private readonly readPos: number[];
  /** Per partition, the end of the offsets delivered before the backlog was made. */
  private readonly deliveredBefore: number[];
  /**
   * Per partition, messages `take` picked that the caller has not put in flight yet: they are
   * still lag, or lag and in-flight counts would both miss them while the caller writes.
   */
  private readonly taking: number[];
  private firstPartition = 0;

  constructor(
    private readonly partitions: readonly PartitionLog[],
    private readonly store: GroupStore,
    /** Bytes one read of the log may return. */
    private readonly maxReadBytes: number,
    /** Whether a message is in flight (never picked twice). */
    private readonly inFlight: (partition: number, offset: number) => boolean,
    /**
     * Where a message goes that was delivered maxDeliveries times and is neither done nor in
     * flight: its last delivery ended with the cursor that made it (a restart). [CONS-9]
     */
    private readonly exhausted?: Exhausted,
  ) {
    this.readPos = partitions.map((_, p) => store.state(p)?.cursor ?? 0);
    this.taking = partitions.map(() => 0);
    // Only deliveries made before this backlog existed can have ended unsettled.
    this.deliveredBefore = partitions.map((_, p) => {
      let end = 0;
      for (const offset of store.state(p)?.deliveries.keys() ?? []) end = Math.max(end, offset + 1);
      return end;
    });
  }

  has(partition: number, offset: number): boolean {
    return this.due.has(partition, offset);
  }

  /** Makes a message redeliverable from `notBefore` (0: now). */
  add(p: Pending, notBefore: number): void {
    const d: Due = { partition: p.partition, offset: p.offset, notBefore };
    if (p.resent !== undefined) {
      d.resent = p.resent;
      d.count = p.count ?? 0;
    }
    this.due.set(p.partition, p.offset, d);
  }

  get resentCount(): number {
    let n = 0;
    for (const d of this.due.values()) if (d.resent !== undefined) n++;
    return n;
  }

  /**
   * The group's cursor of `partition` moved to `cursor` (a seek): reading starts there again,
   * and nothing waits for redelivery in it any more.
   */
  rewind(partition: number, cursor: number): void {
    this.readPos[partition] = cursor;
    this.deliveredBefore[partition] = 0;
    this.due.clearPartition(partition);
  }

  /** Messages not yet delivered: beyond the read positions, waiting for redelivery, being picked. */
  lag(): number {
    let lag = 0;
    for (let p = 0; p < this.readPos.length; p++) lag += this.lagOf(p);
    return lag;
  }

  /** The lag of one partition. */
  lagOf(partition: number): number {
    const { first, next } = this.log(partition).bounds();
    const unread = Math.max(0, next - Math.max(this.readPos[partition] ?? 0, first));
    return this.due.sizeOf(partition) + unread + (this.taking[partition] ?? 0);
  }

  /** The caller put what `take` picked in flight (or back in the backlog). */
  handedOver(picked: readonly Pick<Picked, 'partition'>[]): void {
    for (const x of picked) this.taking[x.partition] = (this.taking[x.partition] ?? 1) - 1;
  }

  /** Messages waiting to be delivered again. */
  get dueCount(): number {
    return this.due.size;
  }

  /**
   * Up to `max` messages: due redeliveries first in offset order, then new ones [CONS-3], each
   * asked of `admit` (the caller's byte budget) until it refuses one, the first always going
   * [CONS-10]. With `accepts`, only messages of the partitions it accepts [GROUP-4].
   */
  async take(
    max: number,
    admit: (record: StoredRecord) => boolean = () => true,
    accepts?: (partition: number) => boolean,
  ): Promise<Picked[]> {
    const picked: Picked[] = [];
    try {
      await this.pick(max, admit, accepts, picked);
    } catch (err) {
      // A failed read: what was picked waits for redelivery rather than vanishing from the backlog.
      for (const x of picked) this.add(x, 0);
      this.handedOver(picked);
      throw err;
    }
    return picked;
  }

  private async pick(
    max: number,
    admit: (record: StoredRecord) => boolean,
    accepts: ((partition: number) => boolean) | undefined,
    picked: Picked[],
  ): Promise<void> {
    const now = Date.now();
    const budget = (record: StoredRecord) => admit(record) || picked.length === 0;
    const ready: Due[] = [];
    for (const d of this.due.values())
      if (d.notBefore <= now && (accepts === undefined || accepts(d.partition))) ready.push(d);
    ready.sort(byRef);
    for (const d of ready) {
      if (picked.length >= max) return;
      const { notBefore: _, ...pending } = d;
      // Below the cursor (a seek moved past it while it was on its way back): done.
      if (d.resent === undefined && d.offset < (this.store.state(d.partition)?.cursor ?? 0)) {
        this.due.delete(d.partition, d.offset);
        continue;
      }
      const record =
        d.resent ?? (await this.log(d.partition).read(d.offset, { maxRecords: 1, maxBytes: 1 }))[0];
      // Retention removed it: nothing is left to deliver, so it is done.
      if (record?.offset !== d.offset) {
        this.due.delete(d.partition, d.offset);
        await this.store.apply([doneOp(d)]);
        continue;
      }
      if (!budget(record)) return;
      this.due.delete(d.partition, d.offset);
      picked.push({ ...pending, record });
      this.taking[d.partition] = (this.taking[d.partition] ?? 0) + 1;
    }
    const partitions = this.readPos.length;
    this.firstPartition = (this.firstPartition + 1) % partitions;
    for (let i = 0; i < partitions && picked.length < max; i++) {
      const p = (this.firstPartition + i) % partitions;
      if (accepts !== undefined && !accepts(p)) continue;
      if (await this.readNew(p, max, picked, budget, now)) break;
    }
  }

  /** New messages of partition `p` after the read position; true once the frame is full. */
  private async readNew(
    p: number,
    max: number,
    picked: Picked[],
    budget: (record: StoredRecord) => boolean,
    now: number,
  ): Promise<boolean> {
    const log = this.log(p);
    // Retention moved the first offset past the cursor [LIMITS-8]: what was below is gone, so the
    // cursor follows (else it could never advance, and `done` would grow with every ack above it).
    const { first } = log.bounds();
    if ((this.store.state(p)?.cursor ?? first) < first)
      await this.store.apply([{ op: 'seek', partition: p, cursor: first }]);
    while (picked.length < max && (this.readPos[p] ?? 0) < log.bounds().next) {
      const records = await log.read(this.readPos[p] ?? 0, {
        maxRecords: max - picked.length,
        maxBytes: this.maxReadBytes,
      });
      if (records.length === 0) return false;
      for (const record of records) {
        const state = this.store.state(p);
        const skip =
          state === undefined ||
          record.offset < state.cursor ||
          state.done.has(record.offset) ||
          this.inFlight(p, record.offset) ||
          this.due.has(p, record.offset);
        const deliveries =
          skip || record.offset >= (this.deliveredBefore[p] ?? 0)
            ? 0
            : (state.deliveries.get(record.offset) ?? 0);
        if (this.exhausted !== undefined && deliveries >= this.exhausted.maxDeliveries) {
          this.exhausted.take({ partition: p, offset: record.offset }, deliveries);
        } else if (!skip) {
          const until = state.delayedUntil.get(record.offset);
          if (until !== undefined && until > now) {
            this.due.set(p, record.offset, {
              partition: p,
              offset: record.offset,
              notBefore: until,
            });
          } else {
            // Not read past: the message that does not fit starts the next frame.
            if (!budget(record)) return true;
            picked.push({ partition: p, offset: record.offset, record });
            this.taking[p] = (this.taking[p] ?? 0) + 1;
          }
        }
        this.readPos[p] = record.offset + 1;
      }
    }
    return false;
  }

  private log(partition: number): PartitionLog {
    const log = this.partitions[partition];
    if (log === undefined) throw new RangeError(`no partition ${partition}`);
    return log;
  }
}
