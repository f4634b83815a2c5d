/**
 * Starts the broker: the backend `storage.engine` names, the stations and groups, and the TCP
 * and HTTP/WebSocket listeners; `stop` shuts it all down in order.
 */
import type { Logger } from 'pino';
import { Authenticator } from './auth/authenticate.js';
import type { Principal } from './auth/outcome.js';
import type { BrokerCore } from './broker/core.js';
import { GroupMetrics } from './broker/groups/group-metrics.js';
import { GroupRegistry } from './broker/groups/registry.js';
import { Producer } from './broker/produce.js';
import { SchemaRegistry } from './broker/schemas/registry.js';
import { collectBrokerState } from './broker/state-metrics.js';
import { StationRegistry } from './broker/stations/registry.js';
import type { BrokerConfig } from './config/types.js';
import { httpGateway } from './http/gateway.js';
import { refreshHttpConsumers, stopHttpConsumers } from './http/http-members.js';
import { API_ROUTES } from './http/routes/index.js';
import { type Exposition, type Metrics, noMetrics } from './metrics.js';
import { MqttAdapter } from './mqtt/adapter.js';
import { openBackend } from './open-backend.js';
import { PromMetrics } from './prometheus/prom-metrics.js';
import { frameHandlers } from './server/handlers/index.js';
import { startServers } from './server/server.js';

export interface RunningBroker {
  tcpPort: number;
  httpPort: number;
  /** The MQTT port, when mqtt.enabled. */
  mqttPort: number | undefined;
  /** Where the web console was found at start; undefined when it is off or not built. */
  consoleDir: string | undefined;
  /**
   * Takes the principals, permissions and TLS certificates of `config` (SIGHUP) without closing
   * connections, except those whose principal is no longer accepted; other settings need a
   * restart. Throws, keeping the old ones, when a key or certificate file cannot be read.
   */
  reload(config: BrokerConfig): void;
  stop(reason?: string): Promise<void>;
}

export interface StartOptions {
  /**
   * Where every layer counts and times, instead of the Prometheus registry `metrics.enabled`
   * asks for (there is no /metrics then).
   */
  metrics?: Metrics;
}

/** The metrics every layer counts in, and what /metrics serves of them (nothing when off). */
function chooseMetrics(
  config: BrokerConfig,
  given: Metrics | undefined,
): { metrics: Metrics; exposition?: Exposition } {
  if (given !== undefined) return { metrics: given };
  if (!config.metrics.enabled) return { metrics: noMetrics };
  const prometheus = new PromMetrics({ perObject: config.metrics.perObject });
  return { metrics: prometheus, exposition: prometheus };
}

export async function startBroker(
  config: BrokerConfig,
  log: Logger,
  options: StartOptions = {},
): Promise<RunningBroker> {
  const { metrics, exposition } = chooseMetrics(config, options.metrics);
  const engine = await openBackend(config, log.child({ component: 'storage' }), metrics);
  const stations = new StationRegistry(
    engine,
    config,
    config.limits,
    log.child({ component: 'stations' }),
  );
  await stations.start();
  const groups = new GroupRegistry(
    stations,
    config.limits,
    config.stations.maxGroups,
    log.child({ component: 'groups' }),
    new GroupMetrics(metrics),
  );
  await groups.start();
  stations.attachGroups(groups);
  const schemas = new SchemaRegistry(
    engine.metadata,
    config.schemas,
    config.limits,
    (schema) => stations.attachedTo(schema),
    log.child({ component: 'schemas' }),
  );
  await schemas.start();
  collectBrokerState(metrics, stations, groups);
  // The servers start after the core their handlers use; until then nobody is connected.
  let connections = () => 0;
  const core: BrokerCore = {
    limits: config.limits,
    stations,
    schemas,
    producer: new Producer(config.limits, schemas, metrics),
    groups,
    log,
    metrics,
    startedAt: Date.now(),
    connections: () => connections(),
  };
  let ready = true;
  const authenticator = new Authenticator(config.auth, config.limits.maxNameBytes);
  const handlers = frameHandlers(core);
  const servers = await startServers({
    config,
    limits: config.limits,
    handlers,
    api: (context) => httpGateway({ routes: API_ROUTES, handlers, context }),
    ...(config.mqtt.enabled
      ? {
          mqtt: async (context) => {
            const adapter = new MqttAdapter({
              core,
              config,
              metadata: engine.metadata,
              authenticate: context.authenticate,
              authThrottle: context.authThrottle,
              audit: context.audit,
              refusals: context.refusals,
              log: log.child({ component: 'mqtt' }),
              outbound: context.outboundBudget,
              maxOutboundBytes: config.connections.maxOutboundBytes,
            });
            await adapter.start();
            return adapter;
          },
        }
      : {}),
    authenticate: authenticator.authenticate,
    log: log.child({ component: 'server' }),
    metrics: core.metrics,
    ready: () => ready,
    exposition,
  });
  connections = () => servers.registry.size + (servers.mqtt?.connections ?? 0);
  let stopping: Promise<void> | undefined;
  return {
    tcpPort: servers.tcpPort,
    httpPort: servers.httpPort,
    mqttPort: servers.mqttPort,
    consoleDir: servers.consoleDir,
    reload(next) {
      authenticator.reload(next.auth);
      servers.reloadTls(next.tls);
      const current = (p: Principal) => authenticator.current(p);
      for (const conn of servers.registry) conn.refreshPrincipal(current);
      servers.mqtt?.refreshPrincipals(current);
      refreshHttpConsumers(handlers, current);
      log.info({ connections: servers.registry.size }, 'reloaded principals and permissions');
    },
    stop(reason = 'shutdown') {
      stopping ??= (async () => {
        ready = false;
        log.info({ reason }, 'stopping: telling clients, finishing in-flight work');
        // Clients that get goingAway finish their requests and leave; whoever is left after
        // the grace period is closed. Storage closes last, so every pending flush completes.
        servers.registry.goingAwayAll(reason, 1000);
        // Waiting pulls answer, event streams end with SHUTTING_DOWN, before sockets close.
        stopHttpConsumers(handlers, reason);
        const deadline = Date.now() + config.shutdownGraceMs;
        while (servers.registry.size > 0 && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 50));
        await servers.stop();
        groups.stop();
        await stations.stop();
        await engine.close();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}
