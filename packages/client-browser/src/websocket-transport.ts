/**
 * The transport over the W3C `WebSocket` global: one binary message carries one frame body,
 * with no length prefix. It needs nothing else, so it runs in browsers, Deno and Node ≥ 22.
 */
import {
  abortError,
  ConnectionError,
  ProtocolError,
  type Transport,
  type TransportFactory,
} from '@ferry/client';

/**
 * How much the iterator holds unread before it gives up. A browser WebSocket cannot pause
 * reading, so a consumer that falls this far behind closes the connection instead of
 * growing memory without bound.
 */
const MAX_UNREAD_BYTES = 16 * 1024 * 1024;
const MAX_UNREAD_FRAMES = 4096;

/** The only close code that means the server ended the connection on purpose. */
const NORMAL_CLOSURE = 1000;

/**
 * Opens a Ferry connection over a `ws:` or `wss:` URL with the runtime's `WebSocket`.
 * Pass it as `transport` to the core's `connect`; this package's own `connect` already does.
 */
export const webSocketTransport: TransportFactory = async ({ url, maxFrameBytes, signal }) => {
  if (signal.aborted) throw abortError(signal, 'connecting');
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new ConnectionError(
      'CONNECTION_FAILED',
      `the WebSocket transport cannot connect to ${url.protocol} URLs; use ws: or wss:`,
      { retriable: false },
    );
  }
  let ws: WebSocket;
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
  const transport = new WebSocketTransport(ws, maxFrameBytes);
  await opened(ws, url, signal);
  return transport;
};

function opened(ws: WebSocket, url: URL, signal: AbortSignal): Promise<void> {
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
    // Browsers say nothing about why a WebSocket failed (on purpose); the event is the cause.
    const onFailure = (event: Event): void =>
      settle(
        new ConnectionError('CONNECTION_FAILED', `could not open a WebSocket to ${url.href}`, {
          cause: event,
        }),
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
  readonly #ws: WebSocket;
  readonly #maxUnreadBytes: number;
  readonly #maxFrameBytes: number;
  readonly #unread: Uint8Array[] = [];
  #unreadBytes = 0;
  /** Set once nothing more will be queued; the reader then drains what is left. */
  #ended = false;
  /** Set when this side closed, so the close event's code says nothing about the server. */
  #closedHere = false;
  #error: Error | undefined;
  #wakeReader: (() => void) | undefined;
  readonly #closed: Promise<Error | undefined>;

  constructor(ws: WebSocket, maxFrameBytes: number) {
    this.#ws = ws;
    this.#maxFrameBytes = maxFrameBytes;
    // One frame the server may legally send must always fit.
    this.#maxUnreadBytes = Math.max(MAX_UNREAD_BYTES, maxFrameBytes);
    ws.addEventListener('message', (event) => this.#receive(event.data));
    this.#closed = new Promise((resolve) => {
      ws.addEventListener('close', (event) => {
        if (!this.#closedHere) this.#error = closeError(event);
        this.#end();
        resolve(this.#error);
      });
    });
  }

  send(frame: Uint8Array): void {
    // The codec's frames live in plain ArrayBuffers, never the shared ones send() refuses.
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(frame as Uint8Array<ArrayBuffer>);
  }

  close(): Promise<void> {
    this.#closeHere();
    return this.#closed.then(() => undefined);
  }

  closed(): Promise<Error | undefined> {
    return this.#closed;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const frame = this.#unread.shift();
      if (frame !== undefined) {
        this.#unreadBytes -= frame.byteLength;
        yield frame;
      } else if (this.#ended) {
        return;
      } else {
        await new Promise<void>((resolve) => {
          this.#wakeReader = resolve;
        });
      }
    }
  }

  #receive(data: unknown): void {
    if (this.#ended) return;
    if (!(data instanceof ArrayBuffer)) {
      this.#closeHere(
        new ProtocolError('MALFORMED_FRAME', 'the server sent a text message; frames are binary'),
      );
    } else if (data.byteLength > this.#maxFrameBytes) {
      this.#closeHere(
        new ProtocolError(
          'FRAME_TOO_LARGE',
          `the server sent a frame of ${data.byteLength} bytes, over maxFrameBytes (${this.#maxFrameBytes})`,
        ),
      );
    } else if (
      this.#unread.length >= MAX_UNREAD_FRAMES ||
      this.#unreadBytes + data.byteLength > this.#maxUnreadBytes
    ) {
      this.#closeHere(
        closedError(
          `the reader fell behind: ${this.#unread.length} frames (${this.#unreadBytes} bytes) were unread, and a WebSocket cannot pause`,
        ),
      );
    } else {
      this.#unread.push(new Uint8Array(data));
      this.#unreadBytes += data.byteLength;
      this.#wake();
    }
  }

  /** Closes from this side; unread frames are dropped, as nobody wants them any more. */
  #closeHere(error?: Error): void {
    if (this.#closedHere) return;
    this.#closedHere = true;
    this.#error ??= error;
    this.#unread.length = 0;
    this.#unreadBytes = 0;
    this.#end();
    this.#ws.close();
  }

  #end(): void {
    this.#ended = true;
    this.#wake();
  }

  #wake(): void {
    const wake = this.#wakeReader;
    this.#wakeReader = undefined;
    wake?.();
  }
}

function closedError(message: string): ConnectionError {
  return new ConnectionError('CONNECTION_CLOSED', message);
}

function closeError(event: CloseEvent): ConnectionError | undefined {
  if (event.code === NORMAL_CLOSURE) return undefined;
  const reason = event.reason === '' ? '' : `: ${event.reason}`;
  return closedError(`the WebSocket closed with code ${event.code}${reason}`);
}
