/** What every connection of a broker shares, as the listeners hand it to each connection. */
import type { Auth, Limits } from '@ferry/protocol';
import type { FrameHandlers } from './types.js';

/** The slice of a pino logger the connection layer uses. */
export interface ServerLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

/** Checks hello's credentials: the principal, or undefined to refuse with AUTH_FAILED. */
export type Authenticate = (auth: Auth | undefined) => Promise<string | undefined>;

export interface ConnectionContext {
  limits: Limits;
  /** Hard bound of one connection's outbound bytes; flow control starts at half of it. */
  maxOutboundBytes: number;
  /** How long the outbound bytes may stay at the soft bound before the peer is cut off. */
  stallTimeoutMs: number;
  handlers: FrameHandlers;
  authenticate: Authenticate;
  log: ServerLogger;
  serverVersion: string;
}
