/**
 * A consumer group on JetStream: one durable pull consumer per partition stream holds the
 * group's position, what is pending and each message's delivery count, shared by every broker
 * on the cluster. What this broker pulled and handed out, with its ack timeout, is here.
 *
 * - Each settle is a request on the message's ack subject, so it is applied before it resolves.
 * - maxDeliveries is applied here rather than by JetStream's max_deliver, whose only trace is an
 *   advisory that is lost when no broker listens; a message JetStream redelivers past the
 *   maximum (its last delivery ended with a broker that stopped) is dead-lettered when pulled.
 * - Messages pulled beyond what a fetch's `admit` took wait here, in order, for the next fetch.
 * - Resent dead letters go through the station's resend stream, one subject and one consumer
 *   per group, so a resend asked of any broker reaches the members on every broker; one in
 *   flight when its broker closes the group is terminated there, not delivered again, and its
 *   entry stays in the store to be resent again [DLS-3].
 */
import type { MessageRef } from '@ferry/protocol';
import { encode } from '@msgpack/msgpack';
import { deadLetterEntryOf, deliveryOf } from '../backend/records.js';
import type {
  DeadLetterRecord,
  Delivery,
  FetchOptions,
  GroupCounts,
  GroupCursor,
  GroupCursorOptions,
  GroupDetail,
  StoredRecord,
} from '../backend/types.js';
import { ENDED_IN_FLIGHT_REASON, MAX_DELIVERIES_REASON } from '../storage/group-cursor.js';
import { RefMap } from '../storage/ref-map.js';
import {
  ACK_WAIT_MARGIN_MS,
  consumerInfo,
  createConsumer,
  cursorOf,
  deleteConsumer,
} from './consumers.js';
import type { JsContext } from './context.js';
import { decodeEntry, type JetStreamDeadLetters } from './dead-letters.js';
import { jsError } from './errors.js';
import { consumerName, resendConsumerName, type StationNames } from './names.js';
import { publish } from './publish.js';
import { type Pull, type Pulled, pull } from './pull.js';
import { storedRecord } from './records.js';

/** How long a pull waits for a message to arrive when the group has nothing to deliver. */
const LONG_PULL_MS = 5_000;
/** How long a pull for what is there now may go unanswered. */
const NO_WAIT_GUARD_MS = 1_000;
/** How long a fetch waits for settles under way to be applied. */
const SETTLE_WAIT_MS = 1_000;

const delay = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

interface Flight {
  partition: number;
  offset: number;
  /** Deliveries so far, this one included. */
  count: number;
  deadline: number;
  record: StoredRecord;
  /** The JetStream delivery (of the partition's stream, or of the resend stream). */
  pulled: Pulled;
  resent?: DeadLetterRecord;
}

/** Pulled and not yet handed out. */
interface Held {
  partition: number;
  pulled: Pulled;
  record: StoredRecord;
  heldAt: number;
  resent?: DeadLetterRecord;
}

const ACK = '+ACK';
const TERM = '+TERM';
const WORKING = '+WPI';
const nak = (delayMs: number) =>
  delayMs > 0 ? `-NAK ${JSON.stringify({ delay: delayMs * 1_000_000 })}` : '-NAK';

export class JetStreamGroupCursor implements GroupCursor {
  readonly options: Readonly<Omit<GroupCursorOptions, 'start'>>;
  private readonly inFlight = new RefMap<Flight>();
  private readonly held: Held[][];
  /** Refs this broker nacked or released, until JetStream delivers them again: when they are due. */
  private readonly waiting = new RefMap<number>();
  /** Per source: the partitions' streams, then the group's resent dead letters (`resendSource`). */
  private readonly longPulls: (Pull | undefined)[];
  /** Every pull under way, so a reconnect can end them. */
  private readonly pulls = new Set<Pull>();
  private readonly settling = new Set<Promise<unknown>>();
  private readonly listeners: ((expired: MessageRef[]) => void)[] = [];
  private readonly deadLetterListeners: ((count: number) => void)[] = [];
  private readonly sweeper: ReturnType<typeof setInterval>;
  private readonly consumer: string;
  /** A fetch came back short: pull in the background and wake the group when something comes. */
  private wanted = false;
  /** No member on this broker (see idle): what a pull still brings goes back at once. */
  private idling = false;
  /** A fetch failed: the next sweep wakes the group to try again. */
  private retry = false;
  private firstPartition = 0;
  private isClosed = false;

  constructor(
    private readonly ctx: JsContext,
    private readonly names: StationNames,
    readonly name: string,
    private readonly partitions: number,
    options: GroupCursorOptions,
    private readonly deadLetters: JetStreamDeadLetters,
    /** Per partition, when its consumer was made: dead-letter keys differ after a seek re-made it. */
    private readonly generations: string[],
  ) {
    const { start: _, ...rest } = options;
    this.options = rest;
    this.consumer = consumerName(name);
    this.held = Array.from({ length: partitions + 1 }, () => []);
    this.longPulls = Array.from({ length: partitions + 1 }, () => undefined);
    const every = Math.max(10, Math.min(250, Math.floor(options.ackTimeoutMs / 4)));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  onWake(listener: (expired: MessageRef[]) => void): void {
    this.listeners.push(listener);
  }

  onDeadLettered(listener: (count: number) => void): void {
    this.deadLetterListeners.push(listener);
  }

  async fetch(max: number, options: FetchOptions): Promise<Delivery[]> {
    if (this.isClosed || max < 1) return [];
    this.idling = false;
    // A settle still under way may make a message due again: it goes before new ones. Not
    // longer than a moment, though: a settle stuck on a server that went away times out later.
    if (this.settling.size > 0)
      await Promise.race([Promise.allSettled([...this.settling]), delay(SETTLE_WAIT_MS)]);
    const out: Delivery[] = [];
    let refused = false;
    const offer = (record: StoredRecord): boolean => {
      const admitted = options.admit(record);
      if (admitted || out.length === 0) return true;
      refused = true;
      return false;
    };
    const accepted = this.order().filter((p) => options.accepts?.(p) ?? true);
    const now = Date.now();
    // Resent dead letters first, as redeliveries are; only those of partitions accepted.
    const takeResent = () => {
      const queue = this.held[this.resendSource] as Held[];
      for (let i = 0; i < queue.length && out.length < max; ) {
        const h = queue[i] as Held;
        if (!accepted.includes(h.partition)) {
          i++;
          continue;
        }
        if (!offer(h.record)) return;
        queue.splice(i, 1);
        out.push(this.handOutPulled(h, now));
      }
    };
    const takeHeld = (parts: number[]) => {
      for (const p of parts) {
        const queue = this.held[p] as Held[];
        while (queue.length > 0 && out.length < max) {
          const h = queue[0] as Held;
          if (!offer(h.record)) return;
          queue.shift();
          out.push(this.handOutPulled(h, now));
        }
      }
    };
    try {
      takeResent();
      if (!refused && out.length < max) {
        await this.pullNow(this.resendSource, max - out.length);
        takeResent();
      }
      if (!refused) takeHeld(accepted);
      let round = accepted;
      while (!refused && out.length < max && round.length > 0 && !this.isClosed) {
        const per = Math.ceil((max - out.length) / round.length);
        const got = await Promise.all(round.map((p) => this.pullNow(p, per)));
        const full = round.filter((_, i) => got[i] === per);
        takeHeld(round);
        round = full;
      }
    } catch (err) {
      // What this fetch took goes back, in order, for the next one, which the next sweep asks
      // for (JetStream may be electing a leader).
      for (const d of out.reverse()) {
        const f = this.inFlight.get(d.partition, d.offset);
        if (f === undefined) continue;
        this.inFlight.delete(d.partition, d.offset);
        const held: Held = {
          partition: d.partition,
          pulled: f.pulled,
          record: f.record,
          heldAt: now,
        };
        if (f.resent !== undefined) held.resent = f.resent;
        this.held[f.resent === undefined ? d.partition : this.resendSource]?.unshift(held);
      }
      this.retry = true;
      throw err;
    }
    return this.done(out, max, refused);
  }

  async ack(refs: MessageRef[]): Promise<MessageRef[]> {
    const { flights, invalid } = this.take(refs);
    await Promise.all(
      flights.map(async (f) => {
        // A resent message's entry goes with its ack. [DLS-3]
        if (f.resent !== undefined) await this.deadLetters.remove([f.resent.id]);
        await this.settle(f.pulled, ACK);
      }),
    );
    return invalid;
  }

  async nack(refs: MessageRef[], delayMs: number): Promise<MessageRef[]> {
    const { flights, invalid } = this.take(refs);
    const until = Date.now() + delayMs;
    const dead: Flight[] = [];
    await Promise.all(
      flights.map(async (f) => {
        if (f.count >= this.options.maxDeliveries) {
          dead.push(f);
          return;
        }
        if (f.resent === undefined) this.waiting.set(f.partition, f.offset, until);
        await this.settle(f.pulled, nak(delayMs));
      }),
    );
    await Promise.all(dead.map((f) => this.deadLetterOne(f, MAX_DELIVERIES_REASON)));
    this.deadLettered(dead.length);
    return invalid;
  }

  async deadLetter(refs: MessageRef[], reason: string): Promise<MessageRef[]> {
    const { flights, invalid } = this.take(refs);
    await Promise.all(flights.map((f) => this.deadLetterOne(f, reason)));
    return invalid;
  }

  release(refs: MessageRef[]): void {
    for (const f of this.take(refs).flights) {
      if (f.count >= this.options.maxDeliveries) this.deadLetterLater(f, ENDED_IN_FLIGHT_REASON);
      else {
        if (f.resent === undefined) this.waiting.set(f.partition, f.offset, Date.now());
        this.background(this.settle(f.pulled, nak(0)));
      }
    }
  }

  /**
   * The last member here left: held messages go back now rather than after the ack timeout,
   * and no new background pull is sent. A pull already waiting at the server cannot be taken
   * back; what it brings is given back as it comes.
   */
  idle(): void {
    this.idling = true;
    this.wanted = false;
    this.giveBackHeld();
  }

  private giveBackHeld(): void {
    for (const queue of this.held)
      for (let h = queue.shift(); h !== undefined; h = queue.shift())
        this.background(this.settle(h.pulled, nak(0)));
  }

  resend(entries: DeadLetterRecord[]): void {
    const subject = this.names.resendSubject(this.name);
    for (const e of entries)
      this.background(publish(this.ctx, subject, encode(e, { ignoreUndefined: true })));
  }

  async seek(partition: number, cursor: number): Promise<void> {
    // JetStream 2.9 cannot move a consumer: it is made again at the cursor, which also drops
    // what was pending in the partition, as a seek does. [GROUP-5]
    this.longPulls[partition]?.cancel();
    this.inFlight.clearPartition(partition);
    this.waiting.clearPartition(partition);
    this.held[partition] = [];
    const stream = this.names.partitionStream(partition);
    await deleteConsumer(this.ctx, stream, this.consumer);
    const made = await createConsumer(
      this.ctx,
      stream,
      this.consumer,
      { cursor },
      this.options.ackTimeoutMs,
    );
    this.generations[partition] = made.created;
    this.wake([]);
  }

  async counts(): Promise<GroupCounts> {
    if (this.settling.size > 0)
      await Promise.race([Promise.allSettled([...this.settling]), delay(SETTLE_WAIT_MS)]);
    const [detail, resends] = await Promise.all([
      this.detail(),
      consumerInfo(this.ctx, this.names.resendStream, resendConsumerName(this.name)),
    ]);
    let lag = 0;
    let pending = 0;
    for (const p of detail.partitions) {
      lag += p.lag;
      pending += p.inFlight;
    }
    const held = this.held[this.resendSource]?.length ?? 0;
    const resendPending = resends?.num_ack_pending ?? 0;
    const resent = (resends?.num_pending ?? 0) + resendPending;
    const resentInFlight = Math.min(resent, Math.max(0, resendPending - held));
    return {
      pending: pending + resentInFlight,
      lag: lag + resent - resentInFlight,
      resent,
    };
  }

  async detail(): Promise<GroupDetail> {
    const infos = await Promise.all(
      Array.from({ length: this.partitions }, (_, p) =>
        consumerInfo(this.ctx, this.names.partitionStream(p), this.consumer),
      ),
    );
    return {
      redeliveries: this.waiting.size,
      partitions: infos.map((info, p) => {
        // JetStream counts as pending what this broker holds unsent and what waits to be
        // redelivered: for Ferry those are lag. The local counts may be ahead of the server's
        // snapshot; the total, consistent at the server, is kept whole.
        const local = (this.held[p]?.length ?? 0) + this.waiting.sizeOf(p);
        const pending = info?.num_ack_pending ?? 0;
        const total = (info?.num_pending ?? 0) + pending;
        const inFlight = Math.min(total, Math.max(0, pending - local));
        return {
          partition: p,
          cursor: info === undefined ? 0 : cursorOf(info),
          lag: total - inFlight,
          inFlight,
        };
      }),
    };
  }

  async cursor(partition: number): Promise<number | undefined> {
    const info = await consumerInfo(this.ctx, this.names.partitionStream(partition), this.consumer);
    return info === undefined ? undefined : cursorOf(info);
  }

  /** Set once closed: it hands out nothing more. */
  get closed(): boolean {
    return this.isClosed;
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    clearInterval(this.sweeper);
    for (const p of this.longPulls) p?.cancel();
    // What this broker held or had in flight is redeliverable at once, counted on, as after a
    // restart of the embedded engine; a message at its last delivery is dead-lettered when pulled.
    const naks: Promise<unknown>[] = [];
    for (const queue of this.held) for (const h of queue) naks.push(this.settle(h.pulled, nak(0)));
    // A resent message in flight is not delivered again: its entry stays, to be resent. [DLS-3]
    for (const f of this.inFlight.values())
      naks.push(this.settle(f.pulled, f.resent === undefined ? nak(0) : TERM));
    this.held.forEach((_, p) => {
      this.held[p] = [];
    });
    this.inFlight.clear();
    this.listeners.length = 0;
    this.deadLetterListeners.length = 0;
    await Promise.allSettled([...naks, ...this.settling]);
  }

  /** The connection to NATS was made again: pulls sent before are dropped, and the group pulls again. */
  reconnected(): void {
    for (const p of [...this.pulls]) p.cancel();
    this.retry = true;
  }

  /** Partitions in the order this fetch serves them, starting one further each time. */
  private order(): number[] {
    const first = this.firstPartition;
    this.firstPartition = (first + 1) % this.partitions;
    return Array.from({ length: this.partitions }, (_, i) => (first + i) % this.partitions);
  }

  private done(out: Delivery[], max: number, refused: boolean): Delivery[] {
    if (out.length < max && !refused) {
      this.wanted = true;
      this.pullInBackground();
    }
    return out;
  }

  /** Pulls what partition `p` has now, up to `batch`, into its held queue; resolves to how many came. */
  private async pullNow(p: number, batch: number): Promise<number> {
    let got = 0;
    const request = pull(
      this.ctx.nc,
      this.streamOf(p),
      this.consumerOf(p),
      // Answered within a round trip, unless the consumer has no leader yet (just made, or an
      // election): then this fetch gives what it has and the next sweep asks again.
      { batch, noWait: true, guardMs: NO_WAIT_GUARD_MS },
      (m) => {
        got++;
        this.received(p, m);
      },
    );
    this.pulls.add(request);
    const end = await request.done;
    this.pulls.delete(request);
    if (end.status === 503)
      throw jsError('the group could not be read', new Error(end.description));
    if (end.status === 408 && end.description === 'no answer') this.retry = true;
    return got;
  }

  /** One waiting pull per partition while the group wants more: what arrives wakes it. */
  private pullInBackground(): void {
    if (this.isClosed || !this.wanted) return;
    for (let p = 0; p <= this.partitions; p++) {
      if (this.longPulls[p] !== undefined) continue;
      const partition = p;
      const request = pull(
        this.ctx.nc,
        this.streamOf(p),
        this.consumerOf(p),
        { batch: 1, expiresMs: LONG_PULL_MS, guardMs: this.ctx.timeoutMs },
        (m) => {
          this.wanted = false;
          this.received(partition, m);
          if (this.idling) this.giveBackHeld();
          else this.wake([]);
        },
      );
      this.longPulls[p] = request;
      this.pulls.add(request);
      void request.done.then((end) => {
        this.pulls.delete(request);
        if (this.longPulls[partition] === request) this.longPulls[partition] = undefined;
        // A consumer deleted or missing (the group was deleted or re-made by a seek) stops
        // it until the next fetch; anything else pulls again while the group still wants more.
        if (end.status === 408 || end.status === 404) this.pullInBackground();
      });
    }
  }

  /** The source that holds a group's resent dead letters, after the partitions. */
  private get resendSource(): number {
    return this.partitions;
  }

  private streamOf(source: number): string {
    return source === this.resendSource
      ? this.names.resendStream
      : this.names.partitionStream(source);
  }

  private consumerOf(source: number): string {
    return source === this.resendSource ? resendConsumerName(this.name) : this.consumer;
  }

  /** A message JetStream delivered to this broker, from a partition or the resend stream. */
  private received(source: number, pulled: Pulled): void {
    if (source === this.resendSource) {
      this.receivedResend(pulled);
      return;
    }
    const partition = source;
    const offset = pulled.seq - 1;
    this.waiting.delete(partition, offset);
    // Delivered again while this broker still had it: the earlier delivery is over.
    this.inFlight.delete(partition, offset);
    const queue = this.held[partition] as Held[];
    const at = queue.findIndex((h) => h.pulled.seq === pulled.seq);
    if (at >= 0) queue.splice(at, 1);
    const record = storedRecord(pulled.seq, pulled.timestamp, pulled.msg.data, pulled.msg.headers);
    if (pulled.deliveries > this.options.maxDeliveries) {
      // Its last delivery ended with a broker that stopped or closed the group. [CONS-9]
      const f: Flight = {
        partition,
        offset,
        count: pulled.deliveries - 1,
        deadline: 0,
        record,
        pulled,
      };
      this.deadLetterLater(f, ENDED_IN_FLIGHT_REASON);
      return;
    }
    queue.push({ partition, pulled, record, heldAt: Date.now() });
  }

  private receivedResend(pulled: Pulled): void {
    const entry = decodeEntry(pulled.msg.data) as DeadLetterRecord;
    const queue = this.held[this.resendSource] as Held[];
    const at = queue.findIndex((h) => h.pulled.seq === pulled.seq);
    if (at >= 0) queue.splice(at, 1);
    const f = this.inFlight.get(entry.partition, entry.offset);
    if (f?.resent !== undefined && f.pulled.seq === pulled.seq)
      this.inFlight.delete(entry.partition, entry.offset);
    const held: Held = {
      partition: entry.partition,
      pulled,
      record: entry,
      heldAt: Date.now(),
      resent: entry,
    };
    if (pulled.deliveries > this.options.maxDeliveries) {
      const { heldAt: _, ...rest } = held;
      this.deadLetterLater(
        { ...rest, offset: entry.offset, count: pulled.deliveries - 1, deadline: 0 },
        ENDED_IN_FLIGHT_REASON,
      );
      return;
    }
    queue.push(held);
  }

  private handOutPulled(h: Held, now: number): Delivery {
    // Held long enough for JetStream's ack wait to matter: restart it.
    if (now - h.heldAt > ACK_WAIT_MARGIN_MS / 2) this.background(this.settle(h.pulled, WORKING));
    const x: Omit<Flight, 'deadline'> = {
      partition: h.partition,
      offset: h.record.offset,
      count: h.pulled.deliveries,
      record: h.record,
      pulled: h.pulled,
    };
    if (h.resent !== undefined) x.resent = h.resent;
    return this.handOut(x);
  }

  private handOut(x: Omit<Flight, 'deadline'>): Delivery {
    const flight: Flight = { ...x, deadline: Date.now() + this.options.ackTimeoutMs };
    this.inFlight.set(x.partition, x.offset, flight);
    return deliveryOf(x.partition, x.record, x.count);
  }

  /** Takes the refs out of flight; those that were not in flight are returned as invalid. */
  private take(refs: MessageRef[]): { flights: Flight[]; invalid: MessageRef[] } {
    const { taken, missing } = this.inFlight.takeAll(refs);
    return { flights: taken, invalid: missing };
  }

  /** A settle on the message's ack subject, resolved once JetStream applied it. */
  private async settle(pulled: Pulled, what: string): Promise<void> {
    const reply = pulled.msg.reply;
    if (!reply) return;
    try {
      await this.ctx.nc.request(reply, what, { timeout: this.ctx.timeoutMs });
    } catch (err) {
      throw jsError('the message could not be settled', err);
    }
  }

  private background(work: Promise<unknown>): void {
    const tracked = work.catch((err: unknown) => {
      if (!this.isClosed)
        this.ctx.log.warn({ err, group: this.name }, 'a settle on JetStream failed');
    });
    this.settling.add(tracked);
    void tracked.finally(() => this.settling.delete(tracked));
  }

  /** Ack timeouts, delays that passed, and held messages nobody fetched. */
  private sweep(): void {
    const now = Date.now();
    const expired: MessageRef[] = [];
    for (const f of this.inFlight.values()) {
      if (f.deadline > now) continue;
      this.inFlight.delete(f.partition, f.offset);
      expired.push({ partition: f.partition, offset: f.offset });
      if (f.count >= this.options.maxDeliveries) this.deadLetterLater(f, MAX_DELIVERIES_REASON);
      else {
        if (f.resent === undefined) this.waiting.set(f.partition, f.offset, now);
        this.background(this.settle(f.pulled, nak(0)));
      }
    }
    // Pulled for a fetch that never came: give them back so another broker may deliver them.
    const holdMs = this.options.ackTimeoutMs + ACK_WAIT_MARGIN_MS / 2;
    for (const queue of this.held) {
      while (queue.length > 0 && now - (queue[0] as Held).heldAt > holdMs) {
        const h = queue.shift() as Held;
        this.background(this.settle(h.pulled, nak(0)));
      }
    }
    // A message this broker nacked that another broker took is no longer waiting here.
    const forgetAfter = this.options.ackTimeoutMs + ACK_WAIT_MARGIN_MS;
    let due = false;
    for (const [p, offset, until] of this.waiting.entries()) {
      if (until <= now) due = true;
      if (now - until > forgetAfter) this.waiting.delete(p, offset);
    }
    if (this.retry) {
      this.retry = false;
      due = true;
    }
    if (expired.length > 0) {
      void Promise.allSettled([...this.settling]).then(() => this.wake(expired));
    } else if (due) this.wake([]);
  }

  private wake(expired: MessageRef[]): void {
    if (this.isClosed) return;
    for (const listener of this.listeners) listener(expired);
  }

  private deadLettered(count: number): void {
    if (count > 0) for (const listener of this.deadLetterListeners) listener(count);
  }

  private deadLetterLater(f: Flight, reason: string): void {
    this.background(
      this.deadLetterOne(f, reason).then(
        () => this.deadLettered(1),
        (err: unknown) => {
          if (this.isClosed) return;
          this.ctx.log.error(
            { err, group: this.name, partition: f.partition, offset: f.offset },
            'dead-lettering failed; JetStream will redeliver it',
          );
        },
      ),
    );
  }

  /** To the station's dead-letter store (unless disabled), then done for the group. [DLS-1] */
  private async deadLetterOne(f: Flight, reason: string): Promise<void> {
    if (this.options.deadLetterEnabled()) {
      const entry = deadLetterEntryOf(this.name, f.partition, f.record, f.count, reason);
      // Keyed by the delivery, so a broker that stopped before settling it adds it once.
      const once =
        f.resent === undefined
          ? `${this.name}/${f.partition}/${f.offset}/${this.generations[f.partition]}/${f.count}`
          : `${this.name}/${f.partition}/${f.offset}/r${f.pulled.seq}/${f.count}`;
      await this.deadLetters.addOnce(entry, once);
    }
    // A resent message dead-lettered again replaces its entry. [DLS-3]
    if (f.resent !== undefined) await this.deadLetters.remove([f.resent.id]);
    await this.settle(f.pulled, TERM);
  }
}
