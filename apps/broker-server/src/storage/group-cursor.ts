/**
 * The embedded engines' group cursor: the group's durable state (cursor, done set, delivery
 * counts, delays) is in its GroupStore; what is in flight, with its deadline, is here. Ack
 * timeouts are found by one periodic sweep rather than a timer per message.
 */
import type { MessageRef } from '@ferry/protocol';
import { deadLetterEntryOf, deliveryOf } from '../backend/records.js';
import type {
  DeadLetterRecord,
  DeadLetterStore,
  Delivery,
  FetchOptions,
  GroupCounts,
  GroupCursor,
  GroupCursorOptions,
  GroupDetail,
} from '../backend/types.js';
import { Backlog, doneOp, type Pending } from './group-backlog.js';
import type { StorageLogger } from './logger.js';
import { RefMap } from './ref-map.js';
import type { GroupOp, GroupStore, PartitionLog, StoredRecord } from './types.js';

/** A message handed out and not yet settled. */
interface Flight extends Pending {
  deadline: number;
  /** Deliveries so far, this one included. */
  count: number;
}

export const MAX_DELIVERIES_REASON = 'max deliveries exceeded';
/** Why a message is dead-lettered when its last delivery ended with its subscription. [CONS-9] */
export const ENDED_IN_FLIGHT_REASON =
  'max deliveries exceeded: the subscription ended while it was in flight';

export interface EmbeddedCursorParts {
  store: GroupStore;
  partitions: readonly PartitionLog[];
  deadLetters: DeadLetterStore;
  /** Bytes one read of a partition may return. */
  maxReadBytes: number;
  log: StorageLogger;
}

export class EmbeddedGroupCursor implements GroupCursor {
  readonly options: Readonly<Omit<GroupCursorOptions, 'start'>>;
  private readonly inFlight = new RefMap<Flight>();
  private readonly backlog: Backlog;
  private readonly listeners: ((expired: MessageRef[]) => void)[] = [];
  private readonly deadLetterListeners: ((count: number) => void)[] = [];
  private readonly sweeper: ReturnType<typeof setInterval>;
  private isClosed = false;

  constructor(
    private readonly parts: EmbeddedCursorParts,
    options: GroupCursorOptions,
  ) {
    const { start: _, ...rest } = options;
    this.options = rest;
    this.backlog = new Backlog(
      parts.partitions,
      parts.store,
      parts.maxReadBytes,
      (partition, offset) => this.inFlight.has(partition, offset),
      {
        maxDeliveries: options.maxDeliveries,
        take: (ref, count) =>
          this.deadLetterLater({ ...ref, deadline: 0, count }, ENDED_IN_FLIGHT_REASON),
      },
    );
    // It also wakes the group for delays that passed and records that became readable
    // after their append resolved.
    const every = Math.max(10, Math.min(250, Math.floor(options.ackTimeoutMs / 4)));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  get name(): string {
    return this.parts.store.name;
  }

  onWake(listener: (expired: MessageRef[]) => void): void {
    this.listeners.push(listener);
  }

  onDeadLettered(listener: (count: number) => void): void {
    this.deadLetterListeners.push(listener);
  }

  /** Set once closed: it hands out nothing more. */
  get closed(): boolean {
    return this.isClosed;
  }

  async fetch(max: number, options: FetchOptions): Promise<Delivery[]> {
    if (this.isClosed) return [];
    const picked = await this.backlog.take(max, options.admit, options.accepts);
    if (picked.length === 0) return [];
    try {
      // Written before it is handed out, so delivery counts survive a broker crash; made durable
      // lazily, as an fdatasync of its own would double the journal's and delay every delivery. [CONS-6]
      const delivered: GroupOp[] = [];
      for (const x of picked)
        if (x.resent === undefined)
          delivered.push({ op: 'deliver', partition: x.partition, offset: x.offset });
      await this.parts.store.apply(delivered, true);
    } catch (err) {
      for (const x of picked) this.backlog.add(x, 0);
      this.backlog.handedOver(picked);
      throw err;
    }
    const deadline = Date.now() + this.options.ackTimeoutMs;
    this.backlog.handedOver(picked);
    return picked.map((x): Delivery => {
      const count = this.deliveries(x);
      const flight: Flight = { partition: x.partition, offset: x.offset, deadline, count };
      if (x.resent !== undefined) flight.resent = x.resent;
      this.inFlight.set(x.partition, x.offset, flight);
      return deliveryOf(x.partition, x.record, count);
    });
  }

  async ack(refs: MessageRef[]): Promise<MessageRef[]> {
    const { flights, invalid } = this.take(refs);
    const done: GroupOp[] = [];
    const resent: number[] = [];
    for (const f of flights) {
      if (f.resent === undefined) done.push(doneOp(f));
      else resent.push(f.resent.id);
    }
    try {
      await this.parts.store.apply(done);
      if (resent.length > 0) await this.parts.deadLetters.remove(resent);
    } catch (err) {
      for (const f of flights) this.backlog.add(f, 0);
      throw err;
    }
    return invalid;
  }

  async nack(refs: MessageRef[], delayMs: number): Promise<MessageRef[]> {
    const { flights, invalid } = this.take(refs);
    const until = Date.now() + delayMs;
    const ops: GroupOp[] = [];
    const dead: Flight[] = [];
    for (const f of flights) {
      if (f.count >= this.options.maxDeliveries) {
        dead.push(f);
        continue;
      }
      this.backlog.add(f, delayMs > 0 ? until : 0);
      if (delayMs > 0 && f.resent === undefined)
        ops.push({ op: 'delay', partition: f.partition, offset: f.offset, until });
    }
    await this.parts.store.apply(ops);
    await Promise.all(dead.map((f) => this.deadLetterOne(f, MAX_DELIVERIES_REASON)));
    this.deadLettered(dead.length);
    return invalid;
  }

  async deadLetter(refs: MessageRef[], reason: string): Promise<MessageRef[]> {
    const { flights, invalid } = this.take(refs);
    await Promise.all(flights.map((f) => this.deadLetterOne(f, reason)));
    return invalid;
  }

  async seek(partition: number, cursor: number): Promise<void> {
    // What was in flight or due in the partition is dropped: from the cursor on it comes again.
    this.inFlight.clearPartition(partition);
    this.backlog.rewind(partition, cursor);
    await this.parts.store.apply([{ op: 'rewind', partition, cursor }]);
    this.wake([]);
  }

  release(refs: MessageRef[]): void {
    for (const f of this.take(refs).flights) {
      if (f.count < this.options.maxDeliveries) this.backlog.add(f, 0);
      else this.deadLetterLater(f, ENDED_IN_FLIGHT_REASON);
    }
  }

  resend(entries: DeadLetterRecord[]): void {
    for (const e of entries) {
      if (this.inFlight.has(e.partition, e.offset) || this.backlog.has(e.partition, e.offset)) {
        this.parts.log.warn(
          { group: this.name, partition: e.partition, offset: e.offset },
          'resent message already pending; not queued twice',
        );
        continue;
      }
      this.backlog.add({ partition: e.partition, offset: e.offset, resent: e, count: 0 }, 0);
    }
  }

  async detail(): Promise<GroupDetail> {
    return {
      redeliveries: this.backlog.dueCount,
      partitions: this.parts.partitions.map((log, p) => ({
        partition: p,
        cursor: this.parts.store.state(p)?.cursor ?? log.bounds().first,
        lag: this.backlog.lagOf(p),
        inFlight: this.inFlight.sizeOf(p),
      })),
    };
  }

  async counts(): Promise<GroupCounts> {
    let resent = this.backlog.resentCount;
    for (const f of this.inFlight.values()) if (f.resent !== undefined) resent++;
    return { pending: this.inFlight.size, lag: this.backlog.lag(), resent };
  }

  async cursor(partition: number): Promise<number | undefined> {
    return this.parts.store.state(partition)?.cursor;
  }

  async close(): Promise<void> {
    this.isClosed = true;
    clearInterval(this.sweeper);
    this.inFlight.clear();
    this.listeners.length = 0;
    this.deadLetterListeners.length = 0;
  }

  /** Deliveries of a picked message, the one being made included. */
  private deliveries(x: Pending): number {
    return x.resent !== undefined
      ? (x.count ?? 0) + 1
      : (this.parts.store.state(x.partition)?.deliveries.get(x.offset) ?? 1);
  }

  /** Takes the refs out of flight; those that were not in flight are returned as invalid. */
  private take(refs: MessageRef[]): { flights: Flight[]; invalid: MessageRef[] } {
    const { taken, missing } = this.inFlight.takeAll(refs);
    return { flights: taken, invalid: missing };
  }

  /** Ack timeouts: redeliverable, or dead-lettered after maxDeliveries (once). [CONS-7] */
  private sweep(): void {
    const now = Date.now();
    const expired: MessageRef[] = [];
    for (const f of this.inFlight.values()) {
      if (f.deadline > now) continue;
      this.inFlight.delete(f.partition, f.offset);
      expired.push({ partition: f.partition, offset: f.offset });
      if (f.count < this.options.maxDeliveries) this.backlog.add(f, 0);
      else this.deadLetterLater(f, MAX_DELIVERIES_REASON);
    }
    this.wake(expired);
  }

  private wake(expired: MessageRef[]): void {
    for (const listener of this.listeners) listener(expired);
  }

  /** Tells the listeners of messages dead-lettered after maxDeliveries. */
  private deadLettered(count: number): void {
    if (count > 0) for (const listener of this.deadLetterListeners) listener(count);
  }

  /** Dead-letters in the background; on failure the message stays deliverable. */
  private deadLetterLater(f: Flight, reason: string): void {
    void this.deadLetterOne(f, reason).then(
      () => this.deadLettered(1),
      (err: unknown) => {
        if (this.isClosed) return;
        this.parts.log.error(
          { err, group: this.name, partition: f.partition, offset: f.offset },
          'dead-lettering failed; will redeliver',
        );
        this.backlog.add(f, 0);
        this.wake([]);
      },
    );
  }

  /** To the station's dead-letter store (unless disabled), then done for the group. [DLS-1] */
  private async deadLetterOne(f: Flight, reason: string): Promise<void> {
    const record: StoredRecord | undefined =
      f.resent ??
      (await this.partition(f.partition).read(f.offset, { maxRecords: 1, maxBytes: 1 }))[0];
    if (record?.offset === f.offset && this.options.deadLetterEnabled()) {
      const entry = deadLetterEntryOf(this.name, f.partition, record, f.count, reason);
      await this.parts.deadLetters.add(entry);
    }
    if (f.resent === undefined) await this.parts.store.apply([doneOp(f)]);
    else await this.parts.deadLetters.remove([f.resent.id]);
  }

  private partition(index: number): PartitionLog {
    const log = this.parts.partitions[index];
    if (log === undefined) throw new RangeError(`no partition ${index}`);
    return log;
  }
}
