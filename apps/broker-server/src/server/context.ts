/** What every connection of a broker shares, as the listeners hand it to each connection. */
import type { Limits } from '@ferry/protocol';
import type { AuthThrottle } from '../auth/auth-throttle.js';
import type { Authenticate } from '../auth/outcome.js';
import type { Metrics } from '../metrics.js';
import type { Audit } from './audit.js';
import type { OutboundBudget } from './outbound-budget.js';
import type { SampledWarnings } from './sampled-warnings.js';
import type { FrameHandlers } from './types.js';

export type { Authenticate } from '../auth/outcome.js';

/** The slice of a pino logger the connection layer uses. */
export interface ServerLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

export interface ConnectionContext {
  limits: Limits;
  /** Hard bound of one connection's outbound bytes; flow control starts at half of it. */
  maxOutboundBytes: number;
  /** How long the outbound bytes may stay at the soft bound before the peer is cut off. */
  stallTimeoutMs: number;
  /** The outbound bytes of all connections together. */
  outboundBudget: OutboundBudget;
  handlers: FrameHandlers;
  authenticate: Authenticate;
  /** Where administrative requests, denials and failed authentications are recorded. */
  audit: Audit;
  /** Failed handshakes per remote address, and the turns of their next ones. */
  authThrottle: AuthThrottle;
  log: ServerLogger;
  /** Warnings a peer can trigger at will, sampled. */
  refusals: SampledWarnings;
  /** Where each listener makes its instruments, once (see ConnectionMetrics). */
  metrics: Metrics;
  serverVersion: string;
}
