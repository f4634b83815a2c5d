/**
 * The seam between the connection layer (framing, handshake, auth, heartbeats,
 * bounded outbound buffers) and the broker's frame handlers.
 */
import type { ClientFrame, ErrorCode, FrameOf, MessageRef, ServerFrame } from '@ferry/protocol';
import type { Action } from '../auth/permissions.js';

/** Frames a client may send after the handshake, by type. */
export type HandledFrameType = Exclude<ClientFrame['type'], 'hello' | 'reauth' | 'ping' | 'pong'>;

export interface Connection {
  /** Server-assigned id, for logs. */
  readonly id: string;
  /** Who authenticated ('anonymous' when the broker runs open). */
  readonly principal: string;
  /** Whether the principal may do `action` on `station` now. [SEC-5] */
  may(action: Action, station: string): boolean;
  /** Whether the principal holds some action on `station` (lists show only those). */
  sees(station: string): boolean;
  /** Whether the principal may do `action` on every station, whatever its name. */
  mayEverywhere(action: Action): boolean;
  /** Called after the principal's permissions changed (reauth, reload). [SEC-6] */
  onAccessChange(listener: () => void): void;
  /** 'tcp', 'ws', or 'http' (one request of the HTTP API). */
  readonly transport: 'tcp' | 'ws' | 'http';
  /**
   * Queues a frame. Returns false once the outbound buffer is past its soft
   * bound: a producer of pushes (deliveries) must stop and wait for `drained`.
   * Past the hard bound the connection is closed with SLOW_CONSUMER.
   */
  send(frame: ServerFrame): boolean;
  /** Resolves when the outbound buffer is back under its soft bound (or the connection closed). */
  drained(): Promise<void>;
  /** Sends an error frame for request `id` (0 when not tied to a request). */
  sendError(id: number, code: ErrorCode, message: string, sid?: number, refs?: MessageRef[]): void;
  /** Sends an error frame (id 0) and closes the connection. */
  close(code: ErrorCode, message: string): void;
  readonly closed: boolean;
  /** Called once when the connection ends, whatever the reason. */
  onClose(listener: () => void): void;
}

/**
 * One handler per frame type. A handler that throws or rejects gets an error
 * frame for the request: a FerryError keeps its code; anything else is INTERNAL.
 */
export type FrameHandlers = {
  [K in HandledFrameType]: (conn: Connection, frame: FrameOf<K>) => void | Promise<void>;
};
