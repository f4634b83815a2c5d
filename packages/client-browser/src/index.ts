/**
 * The Ferry client for browsers: the runtime-agnostic core of `@ferry/client` with the
 * W3C WebSocket transport built in. It also works in any runtime that has a `WebSocket`
 * global (Deno, Node ≥ 22).
 *
 * @example
 * ```ts
 * import { connect } from '@ferry/browser';
 *
 * const client = await connect('wss://ferry.example.com/ws', { auth: { token } });
 * ```
 *
 * @packageDocumentation
 */
import { type Client, type ConnectOptions, connect as connectWith } from '@ferry/client';
import { webSocketTransport } from '@ferry/client/internal';

export * from '@ferry/client';
export { webSocketTransport };

/** The core's connect options; the transport is always the WebSocket one. */
export type BrowserConnectOptions = Omit<ConnectOptions, 'transport'>;

/**
 * Connects to a Ferry broker over WebSocket (`ws:` or `wss:` URLs, the broker's `/ws` path).
 * Several servers are tried in turn, as with the core's `connect`.
 *
 * @example
 * ```ts
 * import { connect } from '@ferry/browser';
 *
 * const client = await connect('wss://ferry.example.com/ws', {
 *   auth: { token: 'secret' },
 *   name: 'dashboard',
 * });
 * ```
 */
export function connect(
  servers: string | URL | readonly (string | URL)[],
  options: BrowserConnectOptions = {},
): Promise<Client> {
  return connectWith(servers, { ...options, transport: webSocketTransport });
}
