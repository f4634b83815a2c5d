/**
 * Starts the broker's listeners: the native protocol over TCP and the HTTP port (WebSocket,
 * /livez, /readyz), sharing one connection registry and so one connection cap.
 */
import { readFileSync } from 'node:fs';
import type { Limits } from '@ferry/protocol';
import type { BrokerConfig } from '../config/types.js';
import type { Authenticate, ServerLogger } from './context.js';
import { listenHttp } from './http-listener.js';
import { ConnectionRegistry } from './registry.js';
import { listenTcp } from './tcp-listener.js';
import type { FrameHandlers } from './types.js';

export interface StartServersOptions {
  config: BrokerConfig;
  /** The limits enforced and advertised in welcome; config.limits when absent. */
  limits?: Limits;
  handlers: FrameHandlers;
  authenticate: Authenticate;
  log: ServerLogger;
  /** Whether the broker serves traffic (storage open, not draining), for /readyz. */
  ready: () => boolean;
}

export interface RunningServers {
  /** The bound ports, useful when the config asked for 0. */
  readonly tcpPort: number;
  readonly httpPort: number;
  readonly registry: ConnectionRegistry;
  /** Stops accepting, closes every connection with SHUTTING_DOWN and waits for the sockets; idempotent. */
  stop(): Promise<void>;
}

// The same relative path from src/server and dist/server.
const { version: SERVER_VERSION } = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { version: string };

export async function startServers(options: StartServersOptions): Promise<RunningServers> {
  const { config } = options;
  const registry = new ConnectionRegistry(config.connections.max);
  const context = {
    limits: options.limits ?? config.limits,
    maxOutboundBytes: config.connections.maxOutboundBytes,
    stallTimeoutMs: config.connections.stallTimeoutMs,
    handlers: options.handlers,
    authenticate: options.authenticate,
    log: options.log,
    serverVersion: SERVER_VERSION,
  };
  const tcp = await listenTcp({ host: config.host, port: config.tcpPort, context, registry });
  const http = await listenHttp({
    host: config.host,
    port: config.httpPort,
    allowedOrigins: config.websocket.allowedOrigins,
    context,
    registry,
    ready: options.ready,
  }).catch(async (err: unknown) => {
    await tcp.close();
    throw err;
  });

  let stopped: Promise<void> | undefined;
  return {
    tcpPort: tcp.port,
    httpPort: http.port,
    registry,
    stop: () => {
      stopped ??= (async () => {
        // Stop accepting first, so nothing connects between the close and the wait.
        const listenersClosed = Promise.all([tcp.close(), http.close()]);
        registry.closeAll('SHUTTING_DOWN', 'the broker is stopping');
        await listenersClosed;
      })();
      return stopped;
    },
  };
}
