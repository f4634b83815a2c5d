/**
 * One MQTT connection over any transport (TCP, TLS or WebSocket): splits the stream into
 * packets, parses them with mqtt-packet, hands each to its handler in order, and owns what the
 * handlers share — the client's session, its will, its topic aliases, keep-alive, and the
 * bounds on what it may have in flight. A packet that breaks the protocol closes this
 * connection only.
 */
import { generate, type IPublishPacket, type Packet, type Parser, parser } from 'mqtt-packet';
import type { PeerCertificate, Principal } from '../auth/outcome.js';
import type { MqttContext } from './context.js';
import { PacketSplitter, PacketStreamError } from './framing.js';
import { handlerOf } from './handlers/index.js';
import type { MqttTransportName } from './metrics.js';
import { packetProblem, parsedProblem } from './packet-checks.js';
import { PublishPipeline } from './publish-pipeline.js';
import { REASON } from './reason-codes.js';
import type { Binding, Session, SessionOutput } from './session.js';
import type { SessionHolder, SessionRecord } from './sessions.js';
import { saveSubscriptions, unbind } from './subscriptions.js';
import { type Will, willOf } from './will.js';

export interface MqttTransport {
  readonly name: MqttTransportName;
  readonly remoteAddress: string | undefined;
  /** The verified client certificate of a TLS connection. */
  readonly certificate: PeerCertificate | undefined;
  /** Writes `bytes`; `written` is called once they are handed to the network. */
  write(bytes: Buffer, written: () => void): void;
  /** Bytes written and not yet handed to the network. */
  bufferedBytes(): number;
  /** Holds writes back until `uncork`, which sends them in one go. */
  cork(): void;
  uncork(): void;
  pause(): void;
  resume(): void;
  /** Ends after what was written; `destroy` cuts off. */
  end(): void;
  destroy(): void;
}

type State = 'new' | 'connecting' | 'connected' | 'closed';

let connections = 0;

export class MqttConnection implements SessionOutput, SessionHolder {
  readonly id = `mqtt-${++connections}`;
  state: State = 'new';
  version = 4;
  /** The largest packet a v5 client takes; a larger delivery is not sent. [MQTT-3.1.2-25] */
  maxClientPacketBytes: number | undefined;
  clientId = '';
  principal: Principal | undefined;
  session: Session | undefined;
  /** The stored session, when the subscriptions read through the client's own groups. */
  record: SessionRecord | undefined;
  will: Will | undefined;
  /** Topic aliases the client set, by alias. [MQTT-3.3.2-10] */
  readonly aliases = new Map<number, string>();
  /** The temporary group of each station, for a clean session. */
  readonly temporaryGroups = new Map<string, string>();
  readonly publishes: PublishPipeline;
  /** Every step of a packet's handling, in arrival order. */
  private chain: Promise<void> = Promise.resolve();
  private readonly splitter: PacketSplitter;
  private readonly parser: Parser;
  private parsed: Packet | undefined;
  private parseError: Error | undefined;
  private keepAliveMs = 0;
  private lastPacketAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private readonly drainWaiters: Array<() => void> = [];
  private readPaused = false;
  private detached: Promise<void> = Promise.resolve();
  private readonly resumeFromBudget = () => this.checkReading();
  private readonly wake = () => this.writable();

  constructor(
    readonly ctx: MqttContext,
    readonly transport: MqttTransport,
    /** Told once the client is connected (no longer pending) and when the connection ends. */
    private readonly place: { established(): void },
    private readonly onEnd: (conn: MqttConnection) => void,
    private readonly softBoundBytes: number,
  ) {
    this.splitter = new PacketSplitter(ctx.config.maxPacketBytes);
    this.parser = parser({ protocolVersion: 4 });
    this.parser.on('packet', (p: Packet) => {
      this.parsed = p;
    });
    this.parser.on('error', (err: Error) => {
      this.parseError = err;
    });
    this.publishes = new PublishPipeline(this);
    // A client that never sends CONNECT is closed. [MQTT-3.1.4-1]
    this.timer = setTimeout(
      () => this.close('connect_timeout', 'no CONNECT in time'),
      ctx.limits.handshakeTimeoutMs,
    );
    this.timer.unref();
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  // --- Reading ---

  receive(chunk: Buffer): void {
    if (this.closed) return;
    let packets: Buffer[];
    try {
      packets = this.splitter.push(chunk);
    } catch (err) {
      const tooLarge = err instanceof PacketStreamError && err.kind === 'too-large';
      this.fail(
        tooLarge ? REASON.packetTooLarge : REASON.malformedPacket,
        tooLarge ? 'packet_too_large' : 'malformed',
        (err as Error).message,
      );
      return;
    }
    this.lastPacketAt = Date.now();
    for (const bytes of packets) {
      const packet = this.parse(bytes);
      if (packet === undefined) return;
      this.dispatch(packet);
      if (this.closed) return;
    }
    this.checkReading();
  }

  /** The transport can take more: deliveries waiting for room go on. */
  writable(): void {
    if (this.drainWaiters.length === 0) return;
    if (this.transport.bufferedBytes() >= this.softBoundBytes) return;
    if (this.ctx.outbound.over) {
      this.ctx.outbound.whenUnder(this.wake);
      return;
    }
    for (const resume of this.drainWaiters.splice(0)) resume();
  }

  transportClosed(): void {
    this.close('transport_closed', 'the client went away', { quiet: true });
  }

  private parse(bytes: Buffer): Packet | undefined {
    const problem = packetProblem(bytes, this.version);
    if (problem !== undefined) {
      this.fail(REASON.malformedPacket, 'malformed', problem);
      return undefined;
    }
    this.parsed = undefined;
    this.parseError = undefined;
    this.parser.parse(bytes);
    // Both are set by the parser's events, synchronously within parse.
    const error = this.parseError as Error | undefined;
    const packet = this.parsed as Packet | undefined;
    if (error !== undefined || packet === undefined) {
      this.fail(
        REASON.malformedPacket,
        'malformed',
        error?.message ?? 'the packet could not be read',
      );
      return undefined;
    }
    const invalid = parsedProblem(packet, bytes);
    if (invalid !== undefined) {
      this.fail(REASON.malformedPacket, 'malformed', invalid);
      return undefined;
    }
    return packet;
  }

  private dispatch(packet: Packet): void {
    if (this.state === 'new') {
      // The first packet is CONNECT [MQTT-3.1.0-1]; further ones wait until it is answered.
      if (packet.cmd !== 'connect') {
        this.fail(REASON.protocolError, 'protocol', `${packet.cmd} before CONNECT`);
        return;
      }
      this.state = 'connecting';
      // The packets after it are read as its version has them.
      this.version = packet.protocolVersion === 5 ? 5 : 4;
      // Nothing more is read until CONNECT is answered.
      this.transport.pause();
    } else if (packet.cmd === 'connect') {
      this.fail(REASON.protocolError, 'protocol', 'a second CONNECT'); // [MQTT-3.1.0-2]
      return;
    }
    const handler = handlerOf(packet.cmd);
    if (handler === undefined) {
      this.fail(REASON.protocolError, 'protocol', `a client does not send ${packet.cmd}`);
      return;
    }
    if (packet.cmd === 'publish') this.publishes.received(packet);
    this.chain = this.chain
      .then(async () => {
        if (this.closed) return;
        // Publishes read before this packet are stored first: a SUBSCRIBE after them does not
        // receive them, an UNSUBSCRIBE before them does not lose them.
        if (packet.cmd !== 'publish') await this.publishes.issue();
        await handler(this, packet);
      })
      .catch((err: unknown) => {
        this.ctx.log.error({ err, clientId: this.clientId }, 'MQTT packet handling failed');
        this.fail(REASON.implementationSpecific, 'internal', 'the broker failed on a packet');
      });
  }

  /**
   * Stops reading while the client has receiveMaximum publishes awaiting their ack, or more
   * pending bytes than its share or the broker's budget, and reads again once under. [MQTT-3.3.4-9]
   */
  checkReading(): void {
    if (this.closed) return;
    const { config, pending } = this.ctx;
    const full =
      this.publishes.awaitingAck >= config.receiveMaximum ||
      this.publishes.pendingBytes > config.maxPendingBytes ||
      (this.publishes.pendingBytes > 0 && pending.over);
    if (full && !this.readPaused) {
      this.readPaused = true;
      this.transport.pause();
      if (pending.over) pending.whenUnder(this.resumeFromBudget);
    } else if (!full && this.readPaused) {
      this.readPaused = false;
      pending.forget(this.resumeFromBudget);
      this.transport.resume();
    }
  }

  // --- Writing ---

  send(packet: Packet): void {
    if (!this.closed) this.write(generate(packet, { protocolVersion: this.version }));
  }

  /** Runs `work`, its writes sent together: one system call for a run of acks or deliveries. */
  batch<T>(work: () => T): T {
    this.transport.cork();
    try {
      return work();
    } finally {
      this.transport.uncork();
    }
  }

  sendPublish(packet: IPublishPacket): boolean {
    if (this.closed) return false;
    this.write(generate(packet, { protocolVersion: this.version }));
    return !this.overSoftBound();
  }

  /** Counted in the broker's outbound budget until the transport has handed them on. [LIMITS-5] */
  private write(bytes: Buffer): void {
    const { outbound } = this.ctx;
    const n = bytes.length;
    outbound.add(n);
    this.transport.write(bytes, () => {
      outbound.add(-n);
      this.writable();
    });
    // Deliveries stop at the soft bound; past the hard one the client is not reading at all.
    if (this.transport.bufferedBytes() > this.ctx.maxOutboundBytes)
      this.fail(REASON.quotaExceeded, 'slow_consumer', 'the client does not read what it is sent');
  }

  private overSoftBound(): boolean {
    return this.transport.bufferedBytes() >= this.softBoundBytes || this.ctx.outbound.over;
  }

  fits(packet: IPublishPacket): boolean {
    return (
      this.maxClientPacketBytes === undefined ||
      generate(packet, { protocolVersion: this.version }).length <= this.maxClientPacketBytes
    );
  }

  drained(): Promise<void> {
    if (this.closed || !this.overSoftBound()) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainWaiters.push(resolve);
      if (this.ctx.outbound.over) this.ctx.outbound.whenUnder(this.wake);
    });
  }

  sentOne(qos: number): void {
    this.ctx.metrics.sentOne(qos);
  }

  // --- Session ---

  /** CONNECT accepted: keep-alive starts, the place is no longer pending. */
  connected(keepAliveSeconds: number): void {
    this.state = 'connected';
    clearTimeout(this.timer);
    this.place.established();
    this.ctx.metrics.connected(this.transport.name);
    this.keepAliveMs = keepAliveSeconds * 1000;
    if (this.keepAliveMs > 0) this.armKeepAlive();
    this.transport.resume();
  }

  bindingEnded(binding: Binding, reason: string): void {
    this.session?.bindings.delete(`${binding.station}\u0000${binding.group}`);
    this.ctx.log.info(
      { clientId: this.clientId, station: binding.station, reason },
      'MQTT subscription ended by the broker',
    );
  }

  settleFailed(err: unknown): void {
    this.ctx.log.warn(
      { err, clientId: this.clientId },
      'an MQTT delivery could not be acknowledged',
    );
  }

  /** A credential that expires closes the connection when it does. [SEC-6] */
  expireWith(principal: Principal): void {
    clearTimeout(this.expiry);
    if (principal.expiresAt === undefined) return;
    // Node's timers stop at about 24 days: a later expiry is looked at again then.
    const delay = Math.min(principal.expiresAt - Date.now(), 2 ** 31 - 1);
    this.expiry = setTimeout(
      () => {
        if (Date.now() < (principal.expiresAt as number)) this.expireWith(principal);
        else this.fail(REASON.notAuthorized, 'auth_expired', 'the credentials expired');
      },
      Math.max(0, delay),
    );
    this.expiry.unref();
  }

  /**
   * After a configuration reload: a principal no longer accepted is disconnected; one whose
   * permissions changed loses the subscriptions they no longer allow. [SEC-6]
   */
  refreshPrincipal(current: (principal: Principal) => Principal | undefined): void {
    if (this.state !== 'connected' || this.principal === undefined) return;
    const now = current(this.principal);
    if (now === undefined) {
      this.fail(
        REASON.notAuthorized,
        'revoked',
        'the credentials were revoked by a configuration reload',
      );
      return;
    }
    this.principal = now;
    this.enqueue(async () => {
      const session = this.session;
      if (session === undefined || this.closed) return;
      let dropped = false;
      for (const sub of [...session.subscriptions.values()])
        if (!sub.stations.every((s) => now.permissions.allows('consume', s))) {
          await unbind(this, sub.key);
          dropped = true;
        }
      if (dropped) await saveSubscriptions(this);
    });
  }

  takenOver(): Promise<void> {
    this.fail(REASON.sessionTakenOver, 'takeover', 'another connection took over the client id');
    return this.detached;
  }

  /** Runs after every packet before it has been handled. */
  enqueue(step: () => Promise<void> | void): void {
    this.chain = this.chain.then(step);
  }

  // --- Closing ---

  /**
   * Closes for a reason of the broker: a v5 client is told with DISCONNECT (after CONNACK
   * [MQTT-4.13.2-1]); the will is published. [MQTT-3.1.2-8]
   */
  fail(reason: number, label: string, message: string): void {
    if (this.closed) return;
    if (this.version === 5 && this.state === 'connected')
      this.send({ cmd: 'disconnect', reasonCode: reason, properties: { reasonString: message } });
    this.close(label, message);
  }

  /** Closes the connection: the will goes out unless the client disconnected normally. */
  close(
    label: string,
    message: string,
    options: { quiet?: boolean; graceful?: boolean } = {},
  ): void {
    if (this.closed) return;
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    clearTimeout(this.timer);
    clearTimeout(this.expiry);
    for (const resume of this.drainWaiters.splice(0)) resume();
    this.ctx.pending.forget(this.resumeFromBudget);
    this.ctx.outbound.forget(this.wake);
    if (!options.quiet) {
      this.ctx.metrics.refused(label);
      this.ctx.refusals.warn(
        { clientId: this.clientId, remote: this.transport.remoteAddress, reason: label, message },
        'MQTT connection closed',
      );
    }
    if (wasConnected) this.ctx.metrics.disconnected(this.transport.name);
    if (options.graceful) this.transport.end();
    else this.transport.destroy();
    const will = options.graceful ? undefined : this.will;
    this.detached = this.detach(will);
    this.onEnd(this);
  }

  /** Leaves the groups, keeps or drops the stored session, and publishes the will. */
  private async detach(will: Will | undefined): Promise<void> {
    const { sessions } = this.ctx;
    try {
      this.session?.leaveAll();
      for (const [station, group] of this.temporaryGroups)
        await sessions.deleteGroup(station, group);
      const record = this.record;
      if (record !== undefined) {
        if (record.expirySeconds === 0) await sessions.discard(record.clientId);
        else await sessions.save({ ...record, disconnectedAt: Date.now() });
      }
    } catch (err) {
      this.ctx.log.warn({ err, clientId: this.clientId }, 'an MQTT session could not be put away');
    } finally {
      if (this.clientId !== '') sessions.release(this.clientId, this);
    }
    if (will !== undefined && this.principal !== undefined) {
      const delayMs = Math.min(will.delaySeconds, this.record?.expirySeconds ?? 0) * 1000;
      const publish = () => void willOf(this.ctx, this.principal as Principal, will);
      if (delayMs > 0) sessions.delayWill(this.clientId, delayMs, publish);
      else publish();
    }
  }

  private armKeepAlive(): void {
    // One and a half keep-alive periods without a packet close the connection. [MQTT-3.1.2-24]
    const check = () => {
      if (this.closed) return;
      const idle = Date.now() - this.lastPacketAt;
      if (idle > this.keepAliveMs * 1.5) {
        this.fail(REASON.keepAliveTimeout, 'keep_alive', 'no packet within 1.5 keep-alive periods');
        return;
      }
      this.timer = setTimeout(check, this.keepAliveMs * 1.5 - idle + 10);
      this.timer.unref();
    };
    this.timer = setTimeout(check, this.keepAliveMs * 1.5 + 10);
    this.timer.unref();
  }
}
