/** The browser-compatible transport: one binary WebSocket message per frame body. */
import type { TransportFactory } from '@ferry/client';
import { webSocketTransport as w3cWebSocketTransport } from '@ferry/client/internal';

/**
 * A transport factory for `ws:` and `wss:` URLs, such as `ws://localhost:9000/ws`, over Deno's
 * `WebSocket` (the one `@ferry/browser` uses). A WebSocket cannot pause its reads, so a
 * reader that falls behind by more than the inbound limits closes the connection. Needs
 * `--allow-net`.
 */
export function webSocketTransport(): TransportFactory {
  return w3cWebSocketTransport;
}
