/**
 * The transport over a byte stream: `node:net` for `ferry:` and `node:tls` for `ferrys:`.
 * Each frame is a 4-byte big-endian length and the body [FRAME-1].
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import {
  abortError,
  type InboundLimits,
  type Transport,
  type TransportFactory,
} from '@ferry/client';
import { FrameQueue, WriteGate } from '@ferry/client/internal';
import { FrameReader, frameAll, framedLength } from '@ferry/protocol';
import { connectAttempt, connectionFailed } from './connect-attempt.js';
import { dropAfterLinger } from './linger.js';

/** The port of a `ferry:` or `ferrys:` URL that names none. */
const DEFAULT_PORT = 6666;

export interface TcpTransportOptions {
  /** Connect with TLS, with these options (`ca`, `cert`, `rejectUnauthorized`...). */
  tls?: ConnectionOptions;
}

/** Opens `ferry:` connections, or `ferrys:` ones when given `tls`. */
export function tcpTransport(options: TcpTransportOptions = {}): TransportFactory {
  return async ({ url, maxFrameBytes, signal, inbound }) => {
    const address = `${url.protocol}//${url.host}`;
    if (signal.aborted) throw abortError(signal, `connecting to ${address}`);
    // URL keeps the brackets of an IPv6 host; sockets want the bare address.
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = url.port === '' ? DEFAULT_PORT : Number(url.port);
    const secure = options.tls !== undefined;
    let socket: Socket;
    try {
      socket = secure
        ? tlsConnect({
            // SNI carries host names only (RFC 6066), so an IP address sends none.
            ...(isIP(host) === 0 ? { servername: host } : {}),
            ...options.tls,
            host,
            port,
          })
        : netConnect({ host, port });
    } catch (cause) {
      // Options Node refuses at once, such as an unknown TLS version.
      throw connectionFailed(address, cause);
    }
    const transport = new TcpTransport(socket, maxFrameBytes, inbound);
    await connectAttempt({
      emitter: socket,
      openEvent: secure ? 'secureConnect' : 'connect',
      address,
      signal,
      abort: () => socket.destroy(),
    });
    return transport;
  };
}

class TcpTransport implements Transport {
  readonly #socket: Socket;
  readonly #reader: FrameReader;
  readonly #queue: FrameQueue;
  readonly #gate: WriteGate;
  readonly #closed: Promise<Error | undefined>;
  /** Bodies sent in this tick, written together by one microtask. */
  #outgoing: Uint8Array[] = [];
  #outgoingBytes = 0;
  /** Set by close() or a failure: nothing more is sent or queued. */
  #closing = false;
  /** Set by close(): what the socket reports afterwards says nothing about the server. */
  #closedHere = false;
  #error: Error | undefined;

  constructor(socket: Socket, maxFrameBytes: number, inbound?: Partial<InboundLimits>) {
    this.#socket = socket;
    this.#reader = new FrameReader({ maxFrameBytes });
    this.#queue = new FrameQueue(inbound, {
      pause: () => socket.pause(),
      resume: () => socket.resume(),
    });
    // This tick's frames count too, so send() answers before they reach the socket.
    this.#gate = new WriteGate({
      buffered: () => this.#outgoingBytes + socket.writableLength,
    });
    // Requests are small and latency-bound; batching is done here, per tick.
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('end', () => this.#endOfStream());
    socket.on('error', (error) => {
      if (!this.#closedHere) this.#error ??= error;
    });
    this.#closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#closing = true;
        this.#queue.end();
        this.#gate.close();
        resolve(this.#error);
      });
    });
  }

  send(frame: Uint8Array): boolean {
    if (this.#closing) return true;
    this.#outgoing.push(frame);
    this.#outgoingBytes += framedLength(frame);
    if (this.#outgoing.length === 1) queueMicrotask(() => this.#flush());
    return this.#gate.open;
  }

  drained(): Promise<void> {
    return this.#gate.drained();
  }

  close(): Promise<void> {
    if (!this.#closing) {
      this.#flush();
      this.#closing = true;
      this.#closedHere = true;
      this.#queue.clear();
      this.#gate.close();
      this.#socket.end();
      // Reads on, dropping what comes, so that the server's end of stream is seen.
      this.#socket.resume();
      dropAfterLinger(this.#socket, () => this.#socket.destroy());
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

  /** Writes the frames of this tick as one buffer: one syscall, one TCP segment when small. */
  #flush(): void {
    const frames = this.#outgoing;
    const size = this.#outgoingBytes;
    this.#outgoing = [];
    this.#outgoingBytes = 0;
    if (frames.length === 0 || this.#closing || !this.#socket.writable) return;
    let out: Uint8Array;
    try {
      out = frameAll(frames, size);
    } catch (error) {
      // An empty body has no valid length prefix; the core never sends one.
      this.#fail(error as Error);
      return;
    }
    // Rather than 'drain', which waits for an empty buffer at the socket's own mark, each
    // write that reaches the kernel lets the waiters go as soon as the gate's mark allows.
    this.#socket.write(out, this.#written);
  }

  readonly #written = (): void => this.#gate.check();

  #receive(chunk: Buffer): void {
    if (this.#closing) return;
    let bodies: Uint8Array[];
    try {
      // A plain view of the same memory, so bodies are Uint8Array subarrays, not Buffers.
      bodies = this.#reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    } catch (error) {
      this.#fail(error as Error);
      return;
    }
    for (const body of bodies) this.#queue.push(body);
  }

  #endOfStream(): void {
    if (this.#closing) return;
    try {
      this.#reader.end();
    } catch (error) {
      this.#fail(error as Error);
    }
  }

  /** Closes on a protocol breach; frames received before it stay readable. */
  #fail(error: Error): void {
    this.#error ??= error;
    this.#closing = true;
    this.#gate.close();
    this.#socket.destroy();
  }
}
