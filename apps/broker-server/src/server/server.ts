/**
 * Starts the broker's listeners: the native protocol over TCP and the HTTP port (WebSocket,
 * /livez, /readyz, /metrics, /console), sharing one connection registry, one set of connection
 * caps, one outbound budget and one record of failed handshakes.
 */
import type { Limits } from '@ferry/protocol';
import { AuthThrottle } from '../auth/auth-throttle.js';
import type { BrokerConfig } from '../config/types.js';
import { type Exposition, type Metrics, noMetrics } from '../metrics.js';
import type { MqttAdapter } from '../mqtt/adapter.js';
import { listenMqtt, type MqttListener } from '../mqtt/tcp-listener.js';
import { BROKER_VERSION } from '../version.js';
import { Admission } from './admission.js';
import { Audit } from './audit.js';
import { countOutboundBytes } from './connection-metrics.js';
import { consoleDirCandidates, findConsoleDir } from './console-dir.js';
import type { Authenticate, ConnectionContext, ServerLogger } from './context.js';
import { listenHttp, type RequestHandler } from './http-listener.js';
import { OutboundBudget } from './outbound-budget.js';
import { ConnectionRegistry } from './registry.js';
import { SampledWarnings } from './sampled-warnings.js';
import { listenTcp } from './tcp-listener.js';
import { listenerTlsOptions, secureContextOptions, tlsEnabled } from './tls-options.js';
import type { FrameHandlers } from './types.js';

export interface StartServersOptions {
  config: BrokerConfig;
  /** The limits enforced and advertised in welcome; config.limits when absent. */
  limits?: Limits;
  handlers: FrameHandlers;
  authenticate: Authenticate;
  log: ServerLogger;
  /** What the connections are counted in; nothing counts when absent. */
  metrics?: Metrics;
  /** Whether the broker serves traffic (storage open, not draining), for /readyz. */
  ready: () => boolean;
  /** What GET /metrics serves; no /metrics without it. */
  exposition?: Exposition;
  /** The HTTP API under /v1/, made with the connections' shared context; none without it. */
  api?: (context: ConnectionContext) => RequestHandler;
  /** The MQTT adapter, made with the connections' shared context; no MQTT without it. */
  mqtt?: (context: ConnectionContext) => Promise<MqttAdapter>;
}

export interface RunningServers {
  /** The bound ports, useful when the config asked for 0. */
  readonly tcpPort: number;
  readonly httpPort: number;
  /** The MQTT port, when MQTT is on. */
  readonly mqttPort: number | undefined;
  /** The MQTT connections, when MQTT is on. */
  readonly mqtt: MqttAdapter | undefined;
  readonly registry: ConnectionRegistry;
  /** Sockets under the connection caps, and how many were refused. */
  readonly admission: Admission;
  /** The outbound bytes of all connections together. */
  readonly outboundBudget: OutboundBudget;
  /** Failed handshakes, in all and per remote address. */
  readonly authThrottle: AuthThrottle;
  /** Where the web console was found at start; undefined when it is off or not built. */
  readonly consoleDir: string | undefined;
  /**
   * Reads the certificate, key and CA files of `tls` again and serves them to new connections on
   * both listeners; open connections keep theirs. If a file cannot be read or is not valid, logs
   * an error and keeps the certificates in use. Without TLS it does nothing: turning TLS on or
   * off needs a restart. [SEC-7]
   */
  reloadTls(tls: BrokerConfig['tls']): void;
  /** Stops accepting, closes every connection with SHUTTING_DOWN and waits for the sockets; idempotent. */
  stop(): Promise<void>;
}

export async function startServers(options: StartServersOptions): Promise<RunningServers> {
  const { config } = options;
  const { connections } = config;
  const registry = new ConnectionRegistry();
  const admission = new Admission(connections);
  const context: ConnectionContext = {
    limits: options.limits ?? config.limits,
    maxOutboundBytes: connections.maxOutboundBytes,
    stallTimeoutMs: connections.stallTimeoutMs,
    outboundBudget: new OutboundBudget(connections.maxOutboundBytesTotal, options.log),
    handlers: options.handlers,
    authenticate: options.authenticate,
    audit: new Audit(options.log, options.metrics ?? noMetrics),
    authThrottle: new AuthThrottle({
      firstMs: config.auth.failureDelayMs,
      maxMs: config.auth.maxFailureDelayMs,
    }),
    log: options.log,
    refusals: new SampledWarnings(options.log),
    metrics: options.metrics ?? noMetrics,
    serverVersion: BROKER_VERSION,
  };
  countOutboundBytes(context.metrics, context.outboundBudget);
  const { host } = config;
  // Read before anything listens: a bad file is a start-up error naming it.
  const tls = listenerTlsOptions(config.tls, context.limits.handshakeTimeoutMs);
  const consoleDir = config.console.enabled ? await findConsoleDir(config.console.dir) : undefined;
  if (config.console.enabled && consoleDir === undefined)
    options.log.warn(
      { lookedIn: consoleDirCandidates(config.console.dir) },
      'the web console is not built: /console answers 404 until it is (run pnpm build)',
    );
  const mqtt = options.mqtt === undefined ? undefined : await options.mqtt(context);
  const tcp = await listenTcp({ host, port: config.tcpPort, context, registry, admission, tls });
  const http = await listenHttp({
    host,
    port: config.httpPort,
    allowedOrigins: config.websocket.allowedOrigins,
    headersTimeoutMs: connections.httpHeadersTimeoutMs,
    requestTimeoutMs: connections.httpRequestTimeoutMs,
    context,
    registry,
    admission,
    ready: options.ready,
    exposition: options.exposition,
    tls,
    ...(options.api === undefined ? {} : { api: options.api(context) }),
    ...(config.console.enabled ? { console: { dir: config.console.dir } } : {}),
    ...(mqtt === undefined
      ? {}
      : { mqtt: { adapter: mqtt, maxPacketBytes: config.mqtt.maxPacketBytes } }),
  }).catch(async (err: unknown) => {
    await tcp.close();
    throw err;
  });
  let mqttListener: MqttListener | undefined;
  if (mqtt !== undefined)
    mqttListener = await listenMqtt({
      host,
      port: config.mqtt.port,
      adapter: mqtt,
      admission,
      log: options.log,
      ...(tls === undefined ? {} : { tls }),
    }).catch(async (err: unknown) => {
      await Promise.all([tcp.close(), http.close()]);
      throw err;
    });

  let stopped: Promise<void> | undefined;
  return {
    tcpPort: tcp.port,
    httpPort: http.port,
    mqttPort: mqttListener?.port,
    mqtt,
    registry,
    admission,
    outboundBudget: context.outboundBudget,
    authThrottle: context.authThrottle,
    consoleDir,
    reloadTls: (next) => {
      const { log } = options;
      if (tls === undefined || !tlsEnabled(next)) {
        if (tls !== undefined || tlsEnabled(next))
          log.warn({}, 'TLS cannot be turned on or off by a reload: restart the broker');
        return;
      }
      if (next.clientCertificates !== config.tls.clientCertificates)
        log.warn(
          { from: config.tls.clientCertificates, to: next.clientCertificates },
          'tls.clientCertificates changes need a restart: keeping the mode in use',
        );
      let secureContext: ReturnType<typeof secureContextOptions>;
      try {
        secureContext = secureContextOptions(next);
      } catch (err) {
        log.error({ err }, 'TLS reload failed: keeping the certificates in use');
        return;
      }
      tcp.setSecureContext(secureContext);
      http.setSecureContext(secureContext);
      mqttListener?.setSecureContext(secureContext);
      log.info(
        { certFile: next.certFile, keyFile: next.keyFile, caFile: next.caFile },
        'TLS certificates reloaded',
      );
    },
    stop: () => {
      stopped ??= (async () => {
        // Stop accepting first, so nothing connects between the close and the wait.
        const listenersClosed = Promise.all([tcp.close(), http.close(), mqttListener?.close()]);
        registry.closeAll('SHUTTING_DOWN', 'the broker is stopping');
        mqtt?.closeAll();
        await listenersClosed;
        const budget = context.outboundBudget;
        options.log.info(
          {
            outboundPeak: budget.peak,
            outboundLimit: budget.limit,
            outboundTimesOver: budget.timesOver,
            refusedConnections: admission.refused,
            failedHandshakes: context.authThrottle.total,
            throttledHandshakes: context.authThrottle.refused,
          },
          'connection limits over the run',
        );
      })();
      return stopped;
    },
  };
}
