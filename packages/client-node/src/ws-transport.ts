/**
 * The transport over WebSocket (`ws:`, `wss:`) with the `ws` package: each binary message is
 * one frame body, with no length prefix [FRAME-1].
 */
import type { Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import {
  abortError,
  ConnectionError,
  type InboundLimits,
  type Transport,
  type TransportFactory,
} from '@ferry/client';
import { FrameQueue, WriteGate } from '@ferry/client/internal';
import { ProtocolError } from '@ferry/protocol';
import WebSocket, { type ClientOptions, type RawData } from 'ws';
import { connectAttempt, connectionFailed } from './connect-attempt.js';
import { dropAfterLinger } from './linger.js';

/** The only close code that means the server ended the connection on purpose. */
const NORMAL_CLOSURE = 1000;

export interface WebSocketTransportOptions {
  /** TLS options for `wss:` (`ca`, `cert`, `rejectUnauthorized`...). */
  tls?: ConnectionOptions;
}

/** Opens `ws:` and `wss:` connections. */
export function webSocketTransport(options: WebSocketTransportOptions = {}): TransportFactory {
  return async ({ url, maxFrameBytes, signal, inbound }) => {
    const address = `${url.protocol}//${url.host}${url.pathname}`;
    if (signal.aborted) throw abortError(signal, `connecting to ${address}`);
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, {
        // ws hands these to tls.connect; its own typing of checkServerIdentity is older.
        ...(options.tls as ClientOptions | undefined),
        maxPayload: maxFrameBytes,
        // The broker turns compression down, so offering it would only lengthen the upgrade.
        perMessageDeflate: false,
      });
    } catch (cause) {
      // A URL or options ws refuses at once, such as a URL with a fragment.
      throw connectionFailed(address, cause);
    }
    // Listening before it opens, so no message that follows the open is missed.
    const transport = new WebSocketTransport(ws, inbound);
    await connectAttempt({
      emitter: ws,
      openEvent: 'open',
      address,
      signal,
      abort: () => ws.terminate(),
    });
    return transport;
  };
}

class WebSocketTransport implements Transport {
  readonly #ws: WebSocket;
  readonly #queue: FrameQueue;
  readonly #gate: WriteGate;
  readonly #closed: Promise<Error | undefined>;
  /** The TCP socket under the WebSocket, corked for a tick so its messages share one write. */
  #socket: Socket | undefined;
  #corked = false;
  /** Set by close() or a failure: nothing more is sent or queued. */
  #closing = false;
  /** Set by close(): what the socket reports afterwards says nothing about the server. */
  #closedHere = false;
  #error: Error | undefined;

  constructor(ws: WebSocket, inbound?: Partial<InboundLimits>) {
    this.#ws = ws;
    // The default: a message arrives as one Buffer, which is viewed rather than copied.
    ws.binaryType = 'nodebuffer';
    this.#queue = new FrameQueue(inbound, { pause: () => ws.pause(), resume: () => ws.resume() });
    // ws counts the messages it holds and the socket's buffer.
    this.#gate = new WriteGate({ buffered: () => ws.bufferedAmount });
    ws.on('upgrade', (response) => {
      this.#socket = response.socket;
    });
    ws.on('message', (data, isBinary) => this.#receive(data, isBinary));
    ws.on('error', (error) => {
      if (!this.#closedHere) this.#error ??= fromWs(error);
    });
    this.#closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        this.#closing = true;
        if (!this.#closedHere && code !== NORMAL_CLOSURE) {
          const why = reason.length === 0 ? '' : `: ${reason.toString()}`;
          this.#error ??= new ConnectionError(
            'CONNECTION_CLOSED',
            `the WebSocket closed with code ${code}${why}`,
          );
        }
        this.#queue.end();
        this.#gate.close();
        resolve(this.#error);
      });
    });
  }

  send(frame: Uint8Array): boolean {
    if (this.#closing) return true;
    const socket = this.#socket;
    if (socket !== undefined && !this.#corked) {
      this.#corked = true;
      socket.cork();
      queueMicrotask(() => {
        this.#corked = false;
        socket.uncork();
      });
    }
    // The callback runs once the message reached the kernel: the buffer may be under the mark.
    this.#ws.send(frame, { binary: true }, this.#written);
    return this.#gate.open;
  }

  drained(): Promise<void> {
    return this.#gate.drained();
  }

  readonly #written = (): void => this.#gate.check();

  close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      this.#closedHere = true;
      this.#queue.clear();
      this.#gate.close();
      this.#ws.close(NORMAL_CLOSURE);
      // Reads on, dropping what comes, so that the server's close message is seen.
      this.#ws.resume();
      dropAfterLinger(this.#ws, () => this.#ws.terminate());
    }
    return this.#closed.then(() => undefined);
  }

  closed(): Promise<Error | undefined> {
    return this.#closed;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    // Leaving a `for await` early means nobody reads the connection any more.
    return this.#queue.iterator(() => this.close());
  }

  #receive(data: RawData, isBinary: boolean): void {
    if (this.#closing) return;
    if (!isBinary) {
      this.#fail(
        new ProtocolError('MALFORMED_FRAME', 'the server sent a text message; frames are binary'),
      );
      return;
    }
    // binaryType 'nodebuffer' gives one Buffer per message, even a fragmented one.
    const body = data as Buffer;
    this.#queue.push(new Uint8Array(body.buffer, body.byteOffset, body.length));
  }

  /** Closes on a protocol breach; frames received before it stay readable. */
  #fail(error: Error): void {
    this.#error ??= error;
    this.#closing = true;
    this.#gate.close();
    this.#ws.terminate();
  }
}

/** ws reports a message over maxPayload as a RangeError; Ferry calls it FRAME_TOO_LARGE. */
function fromWs(error: Error & { code?: string }): Error {
  if (error.code !== 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return error;
  return new ProtocolError('FRAME_TOO_LARGE', 'the server sent a message over maxFrameBytes', {
    cause: error,
  });
}
