/**
 * The transport over the W3C `WebSocket` global, shared by browsers and Deno: one binary
 * message carries one frame body, with no length prefix [FRAME-1].
 */
import { ProtocolError } from '@ferry/protocol';
import { abortError, ConnectionError } from '../errors.js';
import type { Transport, TransportFactory } from '../transport.js';
import { FrameQueue } from './frame-queue.js';
import { WriteGate } from './write-gate.js';

/**
 * The parts of a W3C WebSocket used here, so that the core compiles without DOM types.
 * The runtime's own `WebSocket` is structurally one.
 */
interface W3CWebSocket {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code?: number): void;
  addEventListener(type: string, listener: (event: W3CEvent) => void): void;
  removeEventListener(type: string, listener: (event: W3CEvent) => void): void;
}

/** MessageEvent, CloseEvent and Deno's ErrorEvent, as far as they are read here. */
interface W3CEvent {
  readonly data?: unknown;
  readonly code?: number;
  readonly reason?: string;
  readonly message?: string;
}

const OPEN = 1;
/** The only close code that means the server ended the connection on purpose. */
const NORMAL_CLOSURE = 1000;
/** A W3C WebSocket says nothing when its buffer shrinks, so a wait to drain looks this often. */
const DRAIN_POLL_MS = 5;

/**
 * Opens a Ferry connection over a `ws:` or `wss:` URL with the runtime's `WebSocket`. The
 * server's frames are bounded by `TransportOptions.inbound`; as a WebSocket cannot pause its
 * reads, a reader that falls further behind closes the connection with CONNECTION_CLOSED.
 */
export const webSocketTransport: TransportFactory = async ({
  url,
  maxFrameBytes,
  signal,
  inbound,
}) => {
  if (signal.aborted) throw abortError(signal, 'connecting');
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new ConnectionError(
      'CONNECTION_FAILED',
      `the WebSocket transport cannot connect to ${url.protocol} URLs; use ws: or wss:`,
      { retriable: false },
    );
  }
  const WebSocket = (globalThis as unknown as { WebSocket: new (url: string) => W3CWebSocket })
    .WebSocket;
  let ws: W3CWebSocket;
  try {
    ws = new WebSocket(url.href);
  } catch (cause) {
    // A URL the constructor refuses (a fragment, say) will never connect.
    throw new ConnectionError('CONNECTION_FAILED', `cannot open a WebSocket to ${url.href}`, {
      cause,
      retriable: false,
    });
  }
  ws.binaryType = 'arraybuffer';
  // Listening before the socket opens, so no message that follows the open is missed.
  const transport = new WebSocketTransport(ws, maxFrameBytes, new FrameQueue(inbound));
  await opened(ws, url, signal);
  return transport;
};

function opened(ws: W3CWebSocket, url: URL, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error): void => {
      ws.removeEventListener('open', onOpen);
      ws.removeEventListener('error', onFailure);
      ws.removeEventListener('close', onFailure);
      signal.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onOpen = (): void => settle();
    // Browsers say nothing about why a WebSocket failed (on purpose); Deno gives a message.
    const onFailure = (event: W3CEvent): void =>
      settle(
        new ConnectionError(
          'CONNECTION_FAILED',
          `could not open a WebSocket to ${url.href}${event.message ? `: ${event.message}` : ''}`,
          { cause: event },
        ),
      );
    const onAbort = (): void => {
      ws.close();
      settle(abortError(signal, 'connecting'));
    };
    ws.addEventListener('open', onOpen);
    ws.addEventListener('error', onFailure);
    ws.addEventListener('close', onFailure);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

class WebSocketTransport implements Transport {
  readonly #ws: W3CWebSocket;
  readonly #maxFrameBytes: number;
  readonly #unread: FrameQueue;
  readonly #gate: WriteGate;
  readonly #closed: Promise<Error | undefined>;
  /** Set when this side closed, so the close event's code says nothing about the server. */
  #closedHere = false;
  #error: Error | undefined;

  constructor(ws: W3CWebSocket, maxFrameBytes: number, unread: FrameQueue) {
    this.#ws = ws;
    this.#maxFrameBytes = maxFrameBytes;
    this.#unread = unread;
    this.#gate = new WriteGate({ buffered: () => ws.bufferedAmount, pollMs: DRAIN_POLL_MS });
    ws.addEventListener('message', (event) => this.#receive(event.data));
    this.#closed = new Promise((resolve) => {
      ws.addEventListener('close', (event) => {
        if (!this.#closedHere && event.code !== NORMAL_CLOSURE) {
          const reason = event.reason ? `: ${event.reason}` : '';
          this.#error ??= new ConnectionError(
            'CONNECTION_CLOSED',
            `the WebSocket closed with code ${event.code}${reason}`,
          );
        }
        this.#unread.end();
        this.#gate.close();
        resolve(this.#error);
      });
    });
  }

  send(frame: Uint8Array): boolean {
    if (this.#closedHere || this.#ws.readyState !== OPEN) return true;
    this.#ws.send(frame);
    return this.#gate.open;
  }

  drained(): Promise<void> {
    return this.#gate.drained();
  }

  close(): Promise<void> {
    this.#closeHere();
    return this.#closed.then(() => undefined);
  }

  closed(): Promise<Error | undefined> {
    return this.#closed;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.#unread.iterator(() => this.close());
  }

  #receive(data: unknown): void {
    if (this.#closedHere) return;
    if (!(data instanceof ArrayBuffer)) {
      this.#fail(
        new ProtocolError('MALFORMED_FRAME', 'the server sent a text message; frames are binary'),
      );
    } else if (data.byteLength > this.#maxFrameBytes) {
      this.#fail(
        new ProtocolError(
          'FRAME_TOO_LARGE',
          `the server sent a frame of ${data.byteLength} bytes, over maxFrameBytes (${this.#maxFrameBytes})`,
        ),
      );
    } else if (!this.#unread.push(new Uint8Array(data))) {
      this.#error ??= new ConnectionError(
        'CONNECTION_CLOSED',
        `the reader fell behind: ${this.#unread.length} frames (${this.#unread.bytes} bytes) were unread, and a WebSocket cannot pause`,
      );
      // Stale by the time they would be read: what they carried comes again on the next connection.
      this.#closeHere();
    }
  }

  /** Closes on a breach; the frames received before it stay readable. */
  #fail(error: Error): void {
    this.#error ??= error;
    this.#shutDown();
  }

  /** Closes on request; unread frames are dropped, as nobody wants them any more. */
  #closeHere(): void {
    this.#unread.clear();
    this.#shutDown();
  }

  #shutDown(): void {
    if (this.#closedHere) return;
    this.#closedHere = true;
    this.#unread.end();
    this.#gate.close();
    this.#ws.close(NORMAL_CLOSURE);
  }
}
