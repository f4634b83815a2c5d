/**
 * `@ferry/client/internal`: the parts the runtime packages (`@ferry/node`, `@ferry/deno`,
 * `@ferry/browser`) share. Not public API: it changes with the core, and only a runtime
 * package of the same release may import it.
 *
 * @module
 */

export {
  DEFAULT_INBOUND_LIMITS,
  type FlowControl,
  FrameQueue,
  inboundLimits,
} from './frame-queue.js';
export { webSocketTransport } from './websocket-transport.js';
export { WRITE_HIGH_WATER_BYTES, WriteGate, type WriteGateOptions } from './write-gate.js';
