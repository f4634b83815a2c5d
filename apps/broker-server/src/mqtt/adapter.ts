/**
 * The MQTT adapter: MQTT 3.1.1 and 5.0 clients publish to and subscribe from stations through
 * the broker's domain (the producer, the consumer groups) with the broker's principals and
 * permissions. It holds what every MQTT connection shares — the topic mapping, the sessions, the
 * retained messages, the pending-bytes budget — and the open connections; the TCP listener and
 * the HTTP port's /mqtt WebSocket hand it their sockets.
 */
import type { Logger } from 'pino';
import type { AuthThrottle } from '../auth/auth-throttle.js';
import type { Authenticate, Principal } from '../auth/outcome.js';
import { isName } from '../backend/names.js';
import type { MetadataStore } from '../backend/types.js';
import type { BrokerCore } from '../broker/core.js';
import type { BrokerConfig } from '../config/types.js';
import type { Audit } from '../server/audit.js';
import type { OutboundBudget } from '../server/outbound-budget.js';
import type { SampledWarnings } from '../server/sampled-warnings.js';
import { MqttConnection, type MqttTransport } from './connection.js';
import type { MqttContext } from './context.js';
import { MqttMetrics } from './metrics.js';
import { TEMPORARY_PREFIX } from './names.js';
import { PendingBudget } from './pending-budget.js';
import { REASON } from './reason-codes.js';
import { RetainedStore } from './retained.js';
import { SessionStore } from './sessions.js';
import { TopicMapping } from './topics.js';

export interface MqttAdapterOptions {
  core: BrokerCore;
  config: BrokerConfig;
  /** Where sessions and retained messages are kept. */
  metadata: MetadataStore;
  authenticate: Authenticate;
  authThrottle: AuthThrottle;
  audit: Audit;
  refusals: SampledWarnings;
  log: Logger;
  /** The broker's outbound bytes, over every connection. */
  outbound: OutboundBudget;
  /** Outbound bytes of one connection: deliveries wait past half, the client is cut off past it all. */
  maxOutboundBytes: number;
}

export class MqttAdapter {
  private readonly ctx: MqttContext;
  private readonly open = new Set<MqttConnection>();

  constructor(private readonly options: MqttAdapterOptions) {
    const { core, config, log } = options;
    const metrics = new MqttMetrics(core.metrics);
    const maxName = config.limits.maxNameBytes;
    this.ctx = {
      core,
      config: config.mqtt,
      limits: config.limits,
      mapping: new TopicMapping(config.mqtt.stations, (n) => isName(n, maxName)),
      authenticate: options.authenticate,
      authThrottle: options.authThrottle,
      audit: options.audit,
      log,
      refusals: options.refusals,
      metrics,
      sessions: new SessionStore(
        options.metadata,
        core.stations,
        core.groups,
        config.mqtt.maxSessions,
        metrics,
        log,
      ),
      retained: new RetainedStore(options.metadata, config.mqtt, metrics),
      pending: new PendingBudget(config.mqtt.maxPendingBytesTotal),
      outbound: options.outbound,
      maxOutboundBytes: options.maxOutboundBytes,
    };
  }

  /** Loads the stored sessions and retained messages. */
  async start(): Promise<void> {
    await this.ctx.sessions.start();
    await this.ctx.retained.start();
    // A clean session's group ends with its connection; after a crash some remain. On
    // JetStream other brokers' clean sessions may be using theirs, so they stay there.
    if (this.options.config.storage.engine === 'jetstream') return;
    const { stations } = this.ctx.core.stations.list(
      undefined,
      undefined,
      Number.POSITIVE_INFINITY,
    );
    for (const station of stations)
      for (const group of await station.backend.groups())
        if (group.startsWith(TEMPORARY_PREFIX))
          await this.ctx.sessions.deleteGroup(station.name, group);
  }

  /**
   * A new connection on `transport`, or undefined when mqtt.maxConnections are open (the
   * caller closes the socket). `place` is the socket's place under the broker's connection caps.
   */
  accept(transport: MqttTransport, place: { established(): void }): MqttConnection | undefined {
    if (this.open.size >= this.ctx.config.maxConnections) {
      this.ctx.metrics.refused('connections');
      this.ctx.refusals.warn(
        { remote: transport.remoteAddress, max: this.ctx.config.maxConnections },
        'MQTT connection refused: mqtt.maxConnections are open',
      );
      return undefined;
    }
    const conn = new MqttConnection(
      this.ctx,
      transport,
      place,
      (c) => this.open.delete(c),
      this.options.maxOutboundBytes / 2,
    );
    this.open.add(conn);
    return conn;
  }

  /** A TLS handshake on the MQTT port failed. */
  tlsFailed(): void {
    this.ctx.metrics.refused('tls_handshake');
  }

  get connections(): number {
    return this.open.size;
  }

  /** After a configuration reload: see MqttConnection.refreshPrincipal. */
  refreshPrincipals(current: (principal: Principal) => Principal | undefined): void {
    for (const conn of this.open) conn.refreshPrincipal(current);
  }

  /** Closes every connection (v5 clients are told the server is shutting down). */
  closeAll(): void {
    for (const conn of [...this.open])
      conn.fail(REASON.serverShuttingDown, 'shutdown', 'the broker is stopping');
    this.ctx.sessions.stop();
  }
}
