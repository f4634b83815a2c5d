/**
 * A connected client's session: its subscriptions, the consumer groups they read through, and
 * the QoS 1 deliveries awaiting PUBACK. Each station a subscription maps to is read through one
 * group member (a Binding): the session's own group (`mqtt-<client id>`, kept while a persistent
 * session lives), a temporary group of a clean session, or a shared subscription's group. A
 * message that matches none of the session's filters on that station is acknowledged at once;
 * one that matches is sent with the highest QoS granted among them, capped by the QoS it was
 * published with. [MQTT-3.3.5-1] Credit is the session's window (the smaller of mqtt.maxInflight
 * and the client's Receive Maximum), shared among its bindings. [MQTT-3.3.4-7]
 */
import type { DeliveredMessage, MessageRef } from '@ferry/protocol';
import type { IPublishPacket, QoS } from 'mqtt-packet';
import type { Membership } from '../broker/groups/registry.js';
import type { MemberSink } from '../broker/member-sink.js';
import { publishedQos, publishOf, topicOf } from './messages.js';
import type { RetainedMessage } from './retained.js';
import { topicMatches } from './topics.js';

/** One topic filter of a session, as SUBACK granted it. */
export interface Subscription {
  /** The filter as the client sent it (with `$share/<name>/` for a shared one). */
  key: string;
  /** The filter messages are matched against. */
  filter: string;
  qos: QoS;
  share?: string;
  /** The stations it reads from. */
  stations: string[];
}

/** What a session needs of its connection. */
export interface SessionOutput {
  readonly version: number;
  readonly closed: boolean;
  /** Writes a PUBLISH; false once the connection's outbound bytes are over their soft bound. */
  sendPublish(packet: IPublishPacket): boolean;
  /** Runs `work` with its writes sent together. */
  batch<T>(work: () => T): T;
  /** Whether the client takes a packet this large (its v5 Maximum Packet Size). */
  fits(packet: IPublishPacket): boolean;
  /** Resolves once the outbound bytes are back under the soft bound (or the connection closed). */
  drained(): Promise<void>;
  /** A group the session reads from was deleted or its station went away. */
  bindingEnded(binding: Binding, reason: string): void;
  /** A settle failed: logged, the message comes back after its ack timeout. */
  settleFailed(err: unknown): void;
  sentOne(qos: number): void;
}

/** A station read through one group member. */
export class Binding implements MemberSink {
  membership: Membership | undefined;
  readonly subscriptions = new Set<Subscription>();

  constructor(
    private readonly session: Session,
    readonly station: string,
    readonly group: string,
    readonly kind: 'session' | 'temporary' | 'shared',
  ) {}

  deliver(messages: DeliveredMessage[]): boolean {
    return this.session.deliver(this, messages);
  }

  drained(): Promise<void> {
    return this.session.output.drained();
  }

  get closed(): boolean {
    return this.session.output.closed;
  }

  ended(reason: string): void {
    this.membership = undefined;
    this.session.output.bindingEnded(this, reason);
  }
}

interface InFlight {
  binding?: Binding;
  ref?: MessageRef;
}

export const bindingKey = (station: string, group: string) => `${station}\u0000${group}`;

export class Session {
  readonly subscriptions = new Map<string, Subscription>();
  readonly bindings = new Map<string, Binding>();
  /** QoS 1 PUBLISHes sent and not yet acknowledged, by packet id. */
  private readonly inflight = new Map<number, InFlight>();
  /** Deliveries acknowledged by PUBACKs of this turn, by binding, until they are settled. */
  private readonly acked = new Map<Binding, MessageRef[]>();
  /** Retained messages waiting for room in the window. */
  private readonly queued: IPublishPacket[] = [];
  private nextId = 1;
  private turn = 0;

  constructor(
    readonly clientId: string,
    readonly output: SessionOutput,
    /** QoS 1 deliveries in flight at most. */
    readonly window: number,
    /** Packet ids of QoS 2 PUBLISHes stored and PUBRECed, until their PUBREL. [MQTT-4.3.3-9] */
    readonly received: Set<number>,
  ) {}

  /** The messages a binding's group hands over. */
  deliver(binding: Binding, messages: DeliveredMessage[]): boolean {
    return this.output.batch(() => this.send(binding, messages));
  }

  private send(binding: Binding, messages: DeliveredMessage[]): boolean {
    const settled: MessageRef[] = [];
    let open = true;
    for (const m of messages) {
      const ref = { partition: m.partition, offset: m.offset };
      const topic = topicOf(m, binding.station);
      let granted = -1;
      for (const sub of binding.subscriptions)
        if (sub.qos > granted && topicMatches(sub.filter, topic)) granted = sub.qos;
      if (granted < 0) {
        settled.push(ref);
        continue;
      }
      const qos = Math.min(granted, publishedQos(m), 1) as QoS;
      const packet = publishOf(m, topic, qos, {
        version: this.output.version,
        retain: false,
        // A message delivered before went out in an earlier PUBLISH. [MQTT-3.3.1-1]
        dup: qos > 0 && m.deliveryCount > 1,
      });
      // Sized with a packet id in place; the real one is given below.
      if (qos > 0) packet.messageId = 1;
      // Too large for the client: not sent, as if delivered. [MQTT-3.1.2-25]
      if (!this.output.fits(packet)) {
        settled.push(ref);
        continue;
      }
      if (qos === 0) settled.push(ref);
      else packet.messageId = this.track({ binding, ref });
      open = this.output.sendPublish(packet) && open;
      this.output.sentOne(qos);
    }
    if (settled.length > 0) this.settle(binding, settled);
    return open;
  }

  /** PUBACK of a QoS 1 delivery: its message is acknowledged in its group. [MQTT-4.3.2-1] */
  acknowledged(messageId: number): void {
    const entry = this.inflight.get(messageId);
    if (entry === undefined) return;
    this.inflight.delete(messageId);
    if (entry.binding === undefined || entry.ref === undefined) {
      this.flushQueued();
      this.refill();
      return;
    }
    // The PUBACKs read in one go are settled together: one ack per group, not per message.
    let refs = this.acked.get(entry.binding);
    if (refs === undefined) {
      refs = [];
      this.acked.set(entry.binding, refs);
    }
    refs.push(entry.ref);
    if (this.acked.size === 1 && refs.length === 1) setImmediate(() => this.settleAcked());
  }

  private settleAcked(): void {
    for (const [binding, refs] of this.acked) this.settle(binding, refs);
    this.acked.clear();
    this.refill();
  }

  /** Sends the retained messages `filter` matches, marked retained. [MQTT-3.3.1-8] */
  sendRetained(messages: RetainedMessage[], qos: QoS): void {
    for (const m of messages) {
      const q = Math.min(qos, m.qos, 1) as QoS;
      this.queued.push(publishOf(m, m.topic, q, { version: this.output.version, retain: true }));
    }
    this.flushQueued();
  }

  /** Gives the bindings credit from what the window has free, a share each, in turn. */
  refill(): void {
    const bindings = [...this.bindings.values()].filter((b) => b.membership !== undefined);
    if (bindings.length === 0 || this.output.closed) return;
    let free = this.window - this.inflight.size - this.queued.length;
    for (const b of bindings) free -= b.membership?.member.credit ?? 0;
    const share = Math.max(1, Math.ceil(this.window / bindings.length));
    for (let i = 0; i < bindings.length && free > 0; i++) {
      const b = bindings[(this.turn + i) % bindings.length];
      const membership = b?.membership;
      if (membership === undefined) continue;
      const give = Math.min(share - membership.member.credit, free);
      if (give <= 0) continue;
      membership.member.credit += give;
      free -= give;
      membership.coordinator.pump();
    }
    this.turn = (this.turn + 1) % bindings.length;
  }

  /** Leaves every group: what was in flight goes back to it, for the next connection. [CONS-8] */
  leaveAll(): void {
    // What the client acknowledged is settled first, not handed out again.
    for (const [binding, refs] of this.acked) this.settle(binding, refs);
    this.acked.clear();
    for (const b of this.bindings.values()) {
      const m = b.membership;
      b.membership = undefined;
      if (m !== undefined) m.coordinator.leave(m.member);
    }
    this.inflight.clear();
    this.queued.length = 0;
  }

  private track(entry: InFlight): number {
    // Packet ids in use are skipped. [MQTT-2.2.1-3]
    let id = this.nextId;
    while (this.inflight.has(id)) id = id === 65535 ? 1 : id + 1;
    this.nextId = id === 65535 ? 1 : id + 1;
    this.inflight.set(id, entry);
    return id;
  }

  private flushQueued(): void {
    while (this.queued.length > 0 && this.inflight.size < this.window && !this.output.closed) {
      const packet = this.queued.shift() as IPublishPacket;
      if (packet.qos > 0) packet.messageId = 1;
      if (!this.output.fits(packet)) continue;
      if (packet.qos > 0) packet.messageId = this.track({});
      this.output.sendPublish(packet);
      this.output.sentOne(packet.qos);
    }
  }

  private settle(binding: Binding, refs: MessageRef[]): void {
    const m = binding.membership;
    if (m === undefined) return;
    // Credit comes back at once; the ack itself completes in the background.
    m.member.credit += refs.length;
    m.coordinator.ack(m.member, refs).then(
      () => this.refill(),
      (err: unknown) => this.output.settleFailed(err),
    );
  }
}
