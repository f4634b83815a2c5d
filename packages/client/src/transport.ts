/**
 * The client core's only view of the network. Each runtime package supplies a factory
 * (TCP, TLS, WebSocket); the core does the protocol.
 */

/**
 * An open connection that carries whole frame bodies (one MessagePack value each).
 *
 * Writing is flow-controlled the stream way: {@link Transport.send} always queues the frame
 * and returns `false` once the transport holds more unsent bytes than its high-water mark;
 * the writer then stops sending and awaits {@link Transport.drained} before sending more
 * [CLIENT-6]. A transport never drops or refuses a frame because it is over the mark.
 */
export interface Transport extends AsyncIterable<Uint8Array> {
  /**
   * Queues one frame body for sending; a byte-stream transport adds the length prefix.
   *
   * Returns `true` while the bytes buffered to send (queued here and in the runtime's socket)
   * are under the transport's high-water mark, `false` once they are at or past it. The
   * frame was queued either way: `false` asks the caller to stop sending until
   * {@link Transport.drained} resolves, as `socket.write` and `'drain'` do in Node.
   *
   * Never throws: after the transport closed it drops the frame and returns `true`, since
   * waiting to drain would be pointless (the core learns of the close from the iterator
   * ending).
   */
  send(frame: Uint8Array): boolean;
  /**
   * Resolves at once while the buffered bytes are under the high-water mark; otherwise once
   * they fall back under it, or once the transport closes, whichever comes first. It never
   * rejects and never outlives the connection, so awaiting it cannot hang.
   */
  drained(): Promise<void>;
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
  /**
   * Bounds on received frames not yet read from the iterator; each bound defaults on its own
   * (16 MiB, 4,096 frames). See {@link InboundLimits}.
   */
  inbound?: Partial<InboundLimits>;
}

/**
 * How far a transport's reader may fall behind: received frames the iterator has not yet
 * handed out. A transport that can stop reading (TCP, TLS, Node's `ws`) pauses its socket at
 * either bound and resumes at half of both, so the server backs up instead of the client's
 * memory. One that cannot (the W3C `WebSocket`) closes with a `CONNECTION_CLOSED` error once a
 * frame would pass either bound. One frame is always accepted, however large, so that any
 * frame within `maxFrameBytes` can be read.
 */
export interface InboundLimits {
  /** Unread frame bytes. Default 16 MiB: one frame at the default maxFrameBytes (9 MiB) and more. */
  maxBytes: number;
  /** Unread frames. Default 4,096. */
  maxFrames: number;
}

/**
 * Opens one connection. Resolves once the connection is open and frames may be sent;
 * rejects with a `CONNECTION_FAILED` error (its `cause` is the runtime's error) or `ABORTED`.
 * The iterator yields received frame bodies in order and ends when the connection closes;
 * it has a single consumer.
 */
export type TransportFactory = (options: TransportOptions) => Promise<Transport>;
