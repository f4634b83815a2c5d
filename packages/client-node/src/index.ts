/**
 * The Ferry client for Node: the runtime-agnostic core of `@ferry/client` (re-exported here
 * whole) with transports over TCP, TLS and WebSocket.
 *
 * ```ts
 * import { connect } from '@ferry/node';
 *
 * const client = await connect('ferry://127.0.0.1:6666', { auth: { token } });
 * ```
 *
 * @packageDocumentation
 */
import type { ConnectionOptions } from 'node:tls';
import { type Client, type ConnectOptions, connect as connectWith } from '@ferry/client';
import { nodeTransport } from './transport.js';

export * from '@ferry/client';
export { type NodeTransportOptions, nodeTransport } from './transport.js';

/** Options of {@link connect}: those of the core, whose transport is chosen here, and TLS. */
export type NodeConnectOptions = Omit<ConnectOptions, 'transport'> & {
  /**
   * TLS options for `ferrys:` and `wss:` servers, passed to `tls.connect`: `ca` to trust a
   * private CA, `cert` and `key` for a client certificate, and so on.
   */
  tls?: ConnectionOptions;
};

/**
 * Connects to a Ferry broker: to the first of `servers` that answers and completes the
 * handshake. Resolves once connected; the client then reconnects on its own.
 *
 * The URL scheme picks the transport: `ferry://host:6666` (TCP), `ferrys://host:6666` (TLS),
 * `ws://host:9000/ws` or `wss://host/ws` (WebSocket); see {@link nodeTransport}.
 *
 * Rejects with a `ConnectionError` (`CONNECTION_FAILED`) when no server could be reached, a
 * `ServerError` when the broker refused the handshake (`AUTH_FAILED`), a `TimeoutError` after
 * `connectTimeoutMs`, or an `AbortError` when `options.signal` fires first.
 *
 * @example
 * ```ts
 * import { connect } from '@ferry/node';
 *
 * const client = await connect('ferry://127.0.0.1:6666', { auth: { token } });
 * await client.producer('orders').produce(new TextEncoder().encode('hello'));
 * await client.close();
 * ```
 *
 * @example Over TLS, trusting a private CA
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { connect } from '@ferry/node';
 *
 * const client = await connect('ferrys://broker.internal:6666', {
 *   auth: { token },
 *   tls: { ca: readFileSync('ca.pem') },
 * });
 * ```
 */
export function connect(
  servers: string | URL | readonly (string | URL)[],
  options: NodeConnectOptions = {},
): Promise<Client> {
  const { tls, ...core } = options;
  return connectWith(servers, { ...core, transport: nodeTransport({ tls }) });
}
