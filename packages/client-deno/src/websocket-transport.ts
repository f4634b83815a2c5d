/** The browser-compatible transport: one binary WebSocket message per frame body. */
import {
  abortError,
  ConnectionError,
  type Transport,
  type TransportFactory,
  type TransportOptions,
} from '@ferry/client';
import { ProtocolError } from '@ferry/protocol';
import { FrameQueue } from './frame-queue.ts';

// A WebSocket cannot pause its reads, so a consumer this far behind closes the connection
// instead of letting the queue grow without bound.
const MIN_MAX_UNREAD_BYTES = 16 * 1024 * 1024;

/** A transport factory for `ws:` and `wss:` URLs, such as `ws://localhost:9000/ws`. Needs `--allow-net`. */
export function webSocketTransport(): TransportFactory {
  return async ({ url, maxFrameBytes, signal }: TransportOptions): Promise<Transport> => {
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
      throw new ConnectionError('CONNECTION_FAILED', `no WebSocket transport for ${url.protocol}`, {
        retriable: false,
      });
    }
    if (signal.aborted) throw abortError(signal, 'connecting');
    let socket: WebSocket;
    try {
      socket = new WebSocket(url);
    } catch (error) {
      // A URL the WebSocket constructor refuses (a fragment, say) will never connect.
      const message = `cannot open a WebSocket to ${url.href}`;
      throw new ConnectionError('CONNECTION_FAILED', message, { cause: error, retriable: false });
    }
    socket.binaryType = 'arraybuffer';
    await new Promise<void>((resolve, reject) => {
      const settle = (error?: Error): void => {
        socket.removeEventListener('open', onOpen);
        socket.removeEventListener('error', onError);
        socket.removeEventListener('close', onError);
        signal.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onOpen = (): void => settle();
      const onError = (event: Event): void => {
        const cause = causeOf(event);
        const detail = event instanceof ErrorEvent ? `: ${event.message}` : '';
        const message = `could not connect to ${url.host}${detail}`;
        settle(new ConnectionError('CONNECTION_FAILED', message, { cause }));
      };
      const onAbort = (): void => {
        socket.close();
        settle(abortError(signal, 'connecting'));
      };
      socket.addEventListener('open', onOpen);
      socket.addEventListener('error', onError);
      socket.addEventListener('close', onError);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    return new WebSocketTransport(socket, maxFrameBytes);
  };
}

/** The runtime's error behind an `error` event, when it tells. */
function causeOf(event: Event): unknown {
  return event instanceof ErrorEvent ? (event.error ?? event.message) : event;
}

class WebSocketTransport implements Transport {
  private readonly unread: FrameQueue;
  private closing = false;
  private error: Error | undefined;
  private settle!: (error: Error | undefined) => void;
  private readonly done = new Promise<Error | undefined>((resolve) => {
    this.settle = resolve;
  });

  constructor(
    private readonly socket: WebSocket,
    private readonly maxFrameBytes: number,
  ) {
    this.unread = new FrameQueue(Math.max(MIN_MAX_UNREAD_BYTES, 2 * maxFrameBytes));
    socket.addEventListener('message', (event) => this.receive(event.data));
    socket.addEventListener('error', (event) => {
      if (this.closing) return;
      const cause = causeOf(event);
      this.error ??= new ConnectionError('CONNECTION_CLOSED', 'the WebSocket failed', { cause });
    });
    socket.addEventListener('close', (event) => {
      this.unread.end();
      this.error ??=
        this.closing || event.wasClean
          ? undefined
          : new ConnectionError(
              'CONNECTION_CLOSED',
              `the WebSocket closed with code ${event.code}`,
            );
      this.settle(this.error);
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.unread.iterator(() => this.close());
  }

  send(body: Uint8Array): void {
    if (!this.closing && this.socket.readyState === WebSocket.OPEN) this.socket.send(body);
  }

  async close(): Promise<void> {
    this.shutDown(undefined);
    await this.done;
  }

  closed(): Promise<Error | undefined> {
    return this.done;
  }

  private receive(data: unknown): void {
    if (this.closing) return;
    if (!(data instanceof ArrayBuffer) || data.byteLength === 0) {
      this.shutDown(new ProtocolError('MALFORMED_FRAME', 'expected a non-empty binary message'));
    } else if (data.byteLength > this.maxFrameBytes) {
      const message = `message of ${data.byteLength} bytes exceeds maxFrameBytes ${this.maxFrameBytes}`;
      this.shutDown(new ProtocolError('FRAME_TOO_LARGE', message));
    } else {
      this.unread.push(new Uint8Array(data));
      if (this.unread.full) {
        const message = 'the client fell too far behind reading frames';
        this.shutDown(new ConnectionError('CONNECTION_CLOSED', message));
      }
    }
  }

  /** Starts the closing handshake; the frames already queued are still delivered. */
  private shutDown(error: Error | undefined): void {
    if (this.closing) return;
    this.closing = true;
    this.error ??= error;
    this.unread.end();
    this.socket.close(1000);
  }
}
