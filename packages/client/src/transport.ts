/**
 * The client core's only view of the network. Each runtime package supplies a factory
 * (TCP, TLS, WebSocket); the core does the protocol.
 */

/** An open connection that carries whole frame bodies (one MessagePack value each). */
export interface Transport extends AsyncIterable<Uint8Array> {
  /**
   * Queues one frame body for sending; a byte-stream transport adds the length prefix.
   * Never throws: after the transport closed it drops the frame (the core learns of the
   * close from the iterator ending).
   */
  send(frame: Uint8Array): void;
  /** Closes the connection; idempotent. Resolves once it is closed. */
  close(): Promise<void>;
  /**
   * Settles once the transport is closed: `undefined` after a clean close, else the error
   * that closed it (a framing error, a socket error, a reader that fell too far behind).
   */
  closed(): Promise<Error | undefined>;
}

/** What the core passes a transport factory for one connection attempt. */
export interface TransportOptions {
  /** The server to connect to; its scheme picks the transport (`ferry:`, `ferrys:`, `ws:`, `wss:`). */
  url: URL;
  /** The largest frame body the transport accepts from the server (maxFrameBytes). */
  maxFrameBytes: number;
  /** Aborts the connection attempt; the factory then rejects with an `ABORTED` error. */
  signal: AbortSignal;
}

/**
 * Opens one connection. Resolves once the connection is open and frames may be sent;
 * rejects with a `CONNECTION_FAILED` error (its `cause` is the runtime's error) or `ABORTED`.
 * The iterator yields received frame bodies in order and ends when the connection closes;
 * it has a single consumer.
 */
export type TransportFactory = (options: TransportOptions) => Promise<Transport>;
