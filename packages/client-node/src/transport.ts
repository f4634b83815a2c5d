/** The Node transport factory: one URL scheme, one transport. */
import type { ConnectionOptions } from 'node:tls';
import { ConnectionError, type TransportFactory } from '@ferry/client';
import { tcpTransport } from './tcp-transport.js';
import { webSocketTransport } from './ws-transport.js';

/** Options of {@link nodeTransport}. */
export interface NodeTransportOptions {
  /**
   * TLS options for `ferrys:` and `wss:` servers, passed to `tls.connect`: `ca` to trust a
   * private CA, `cert` and `key` for client certificates, and so on. The server name sent
   * (SNI) and checked is the URL's host unless `servername` says otherwise.
   */
  tls?: ConnectionOptions;
}

/**
 * The transport factory for Node: it connects by the server URL's scheme.
 *
 * | Scheme | Transport | Default port |
 * | --- | --- | --- |
 * | `ferry:` (or `tcp:`) | TCP | 6666 |
 * | `ferrys:` | TLS over TCP | 6666 |
 * | `ws:`, `wss:` | WebSocket, e.g. `ws://host:9000/ws` | 80, 443 |
 *
 * {@link connect} uses it. Pass it as `transport` to the core's `connect` only when calling the
 * core directly, for instance to wrap the factory.
 */
export function nodeTransport(options: NodeTransportOptions = {}): TransportFactory {
  const plain = tcpTransport();
  const secure = tcpTransport({ tls: options.tls ?? {} });
  const webSocket = webSocketTransport(options);
  return async (transportOptions) => {
    switch (transportOptions.url.protocol) {
      case 'ferry:':
      case 'tcp:':
        return plain(transportOptions);
      case 'ferrys:':
        return secure(transportOptions);
      case 'ws:':
      case 'wss:':
        return webSocket(transportOptions);
      default:
        throw new ConnectionError(
          'CONNECTION_FAILED',
          `unsupported URL scheme ${transportOptions.url.protocol} (use ferry:, ferrys:, tcp:, ws: or wss:)`,
        );
    }
  };
}
