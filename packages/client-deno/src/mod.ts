/**
 * The Ferry client for Deno: the whole `@ferry/client` API, with transports over
 * `Deno.connect` (`ferry:`, `ferrys:` for TLS) and `WebSocket` (`ws:`, `wss:`).
 * Run with `--allow-net`.
 *
 * @example Produce and consume
 * ```ts
 * import { codecs, connect } from '@ferry/deno';
 *
 * const client = await connect('ferry://localhost:6666', {
 *   auth: { token: Deno.env.get('FERRY_TOKEN') },
 * });
 * await client.producer('orders', { codec: codecs.json() }).produce({ id: 1 });
 * await client.consume('orders', {
 *   group: 'billing',
 *   codec: codecs.json(),
 *   handler: (message) => console.log(message.data),
 * });
 * // ... later: finish the running handlers and pending acks, then disconnect.
 * await client.drain();
 * ```
 *
 * @module
 */
import {
  type Client,
  type ConnectOptions,
  connect as connectWith,
  type TransportFactory,
  type TransportOptions,
} from '@ferry/client';
import { type TcpTransportOptions, tcpTransport } from './tcp-transport.ts';
import { webSocketTransport } from './websocket-transport.ts';

export * from '@ferry/client';
export { DEFAULT_PORT, type TcpTransportOptions, tcpTransport } from './tcp-transport.ts';
export { webSocketTransport } from './websocket-transport.ts';

/** Options of {@link connect}: those of the core, and the certificates for `ferrys:`. */
export interface DenoConnectOptions extends Omit<ConnectOptions, 'transport'> {
  /**
   * Root certificates (PEM) trusted for `ferrys:` servers in addition to the defaults. Deno's
   * `WebSocket` takes none from here: for `wss:` with a private CA, run Deno with
   * `DENO_CERT=ca.pem` or `--cert ca.pem`.
   */
  caCerts?: string[];
}

/** A transport factory that picks WebSocket for `ws:` and `wss:` URLs, TCP for the others. */
export function denoTransport(options: TcpTransportOptions = {}): TransportFactory {
  const tcp = tcpTransport(options);
  const webSocket = webSocketTransport();
  return (attempt: TransportOptions) =>
    attempt.url.protocol === 'ws:' || attempt.url.protocol === 'wss:'
      ? webSocket(attempt)
      : tcp(attempt);
}

/**
 * Connects to the first of `servers` that answers (`ferry://host:6666`, `ferrys://host`,
 * `ws://host:9000/ws`, `wss://...`) and completes the handshake; the client then reconnects
 * on its own, to any of them.
 */
export function connect(
  servers: string | URL | readonly (string | URL)[],
  options: DenoConnectOptions = {},
): Promise<Client> {
  const { caCerts, ...rest } = options;
  return connectWith(servers, { ...rest, transport: denoTransport({ caCerts }) });
}
