/**
 * The native transport: length-prefixed frames over `Deno.connect`, upgraded with
 * `Deno.startTls` for `ferrys:` (so TCP_NODELAY applies to TLS too).
 */
import {
  abortError,
  ConnectionError,
  type InboundLimits,
  type Transport,
  type TransportFactory,
  type TransportOptions,
} from '@ferry/client';
import { FrameQueue, WRITE_HIGH_WATER_BYTES, WriteGate } from '@ferry/client/internal';
import { FrameReader, frameAll, framedLength, ProtocolError } from '@ferry/protocol';

/** The port of a `ferry:` or `ferrys:` URL that names none. */
export const DEFAULT_PORT = 6666;

const READ_CHUNK_BYTES = 64 * 1024;
// Frames queued in one tick go out in writes of about this size.
const WRITE_BATCH_BYTES = 256 * 1024;
// Deno's writer has no buffer of its own, so the write queue is the one send() measures
// against the high-water mark. A writer that ignores send()'s answer may queue up to this
// many times the mark; past it the connection ends before the queue eats the heap.
const MAX_QUEUED_WRITE_MARKS = 64;
// close() flushes queued frames (a final ack, say) but does not wait on a stalled peer.
const CLOSE_FLUSH_MS = 2_000;

/** Options of {@link tcpTransport}. */
export interface TcpTransportOptions {
  /** Root certificates (PEM) trusted for `ferrys:` servers in addition to the defaults. */
  caCerts?: string[];
}

/**
 * A transport factory for `ferry:` and `tcp:` (plain TCP) and `ferrys:` (TLS) URLs;
 * the port defaults to 6666. Needs `--allow-net`.
 */
export function tcpTransport(options: TcpTransportOptions = {}): TransportFactory {
  return async ({ url, maxFrameBytes, signal, inbound }: TransportOptions): Promise<Transport> => {
    if (!['ferry:', 'tcp:', 'ferrys:'].includes(url.protocol)) {
      throw new ConnectionError('CONNECTION_FAILED', `no TCP transport for ${url.protocol}`, {
        retriable: false,
      });
    }
    if (signal.aborted) throw abortError(signal, 'connecting');
    // Scoped to this attempt: the caller's signal may fire long after the connection is up.
    const attempt = new AbortController();
    const onAbort = (): void => attempt.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let conn: Deno.Conn;
    try {
      conn = await dial(url, options.caCerts, attempt.signal);
    } catch (error) {
      if (signal.aborted) throw abortError(signal, 'connecting');
      const detail = error instanceof Error ? error.message : String(error);
      const message = `could not connect to ${url.host}: ${detail}`;
      throw new ConnectionError('CONNECTION_FAILED', message, { cause: error });
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (signal.aborted) {
      closeQuietly(conn);
      throw abortError(signal, 'connecting');
    }
    return new TcpTransport(conn, maxFrameBytes, inbound);
  };
}

/** Connects, and for TLS shakes hands; `signal` cancels either step. */
async function dial(
  url: URL,
  caCerts: string[] | undefined,
  signal: AbortSignal,
): Promise<Deno.Conn> {
  // URL keeps the brackets of an IPv6 literal; Deno wants the bare address.
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? DEFAULT_PORT : Number(url.port);
  const tcp = await Deno.connect({ hostname, port, signal });
  tcp.setNoDelay(true);
  if (url.protocol !== 'ferrys:') return tcp;
  const tls = await Deno.startTls(tcp, { hostname, caCerts });
  const onAbort = (): void => closeQuietly(tls);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    // Surfaces certificate errors here, as a failed connect, not on the first read.
    await tls.handshake();
  } catch (error) {
    closeQuietly(tls);
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return tls;
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed: by an abort, or by the runtime after a socket error.
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.length; ) {
    offset += await conn.write(bytes.subarray(offset));
  }
}

class TcpTransport implements Transport {
  private state: 'open' | 'closing' | 'closed' = 'open';
  private readonly unread: FrameQueue;
  private readonly reader: FrameReader;
  /** Set while the unread frames are at the inbound limits: the read loop waits on it. */
  private paused: PromiseWithResolvers<void> | undefined;
  private queued: Uint8Array[] = [];
  /** Framed bytes queued or being written: what the write gate measures. */
  private queuedBytes = 0;
  private readonly gate = new WriteGate({ buffered: () => this.queuedBytes });
  private writing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private settle!: (error: Error | undefined) => void;
  private readonly done = new Promise<Error | undefined>((resolve) => {
    this.settle = resolve;
  });

  constructor(
    private readonly conn: Deno.Conn,
    maxFrameBytes: number,
    inbound: Partial<InboundLimits> | undefined,
  ) {
    this.reader = new FrameReader({ maxFrameBytes });
    this.unread = new FrameQueue(inbound, {
      pause: () => {
        this.paused ??= Promise.withResolvers();
      },
      resume: () => {
        this.paused?.resolve();
        this.paused = undefined;
      },
    });
    void this.readLoop();
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.unread.iterator(() => this.close());
  }

  send(body: Uint8Array): boolean {
    if (this.state !== 'open') return true;
    this.queuedBytes += framedLength(body);
    if (this.queuedBytes > MAX_QUEUED_WRITE_MARKS * WRITE_HIGH_WATER_BYTES) {
      const message = 'the server stopped reading: too many bytes queued to send';
      this.finish(new ConnectionError('CONNECTION_CLOSED', message));
      return true;
    }
    this.queued.push(body);
    this.writing ??= this.writeLoop();
    return this.gate.open;
  }

  drained(): Promise<void> {
    return this.gate.drained();
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  closed(): Promise<Error | undefined> {
    return this.done;
  }

  private async shutDown(): Promise<void> {
    if (this.state === 'open') {
      this.state = 'closing';
      this.unread.clear();
      // Whoever waits to send more need not wait for the last frames to leave.
      this.gate.close();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_FLUSH_MS);
      });
      await Promise.race([this.writing, timeout]);
      clearTimeout(timer);
      this.finish(undefined);
    }
    await this.done;
  }

  private finish(error: Error | undefined): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.queued = [];
    closeQuietly(this.conn);
    this.unread.end();
    this.gate.close();
    this.settle(error);
  }

  private async readLoop(): Promise<void> {
    const chunk = new Uint8Array(READ_CHUNK_BYTES);
    try {
      for (;;) {
        await this.paused?.promise;
        if (this.state !== 'open') return;
        const n = await this.conn.read(chunk);
        if (n === null) {
          this.reader.end();
          this.finish(undefined);
          return;
        }
        // A copy: the reader hands out views of it, and `chunk` is reused.
        for (const body of this.reader.push(chunk.slice(0, n))) this.unread.push(body);
      }
    } catch (error) {
      if (this.state !== 'open') return;
      this.finish(
        error instanceof ProtocolError
          ? error
          : new ConnectionError('CONNECTION_CLOSED', 'reading from the connection failed', {
              cause: error,
            }),
      );
    }
  }

  private async writeLoop(): Promise<void> {
    // Lets the rest of this tick's sends join the first write.
    await Promise.resolve();
    try {
      while (this.queued.length > 0 && this.state !== 'closed') {
        const batch = this.takeBatch();
        await writeAll(this.conn, batch);
        this.queuedBytes -= batch.length;
        this.gate.check();
      }
    } catch (error) {
      // While closing, shutDown() settles the transport once this loop is done.
      if (this.state === 'open') {
        const message = 'writing to the connection failed';
        this.finish(new ConnectionError('CONNECTION_CLOSED', message, { cause: error }));
      }
    } finally {
      this.writing = undefined;
    }
  }

  /** Frames from the head of the queue, length-prefixed in one buffer of about a batch. */
  private takeBatch(): Uint8Array {
    let count = 0;
    let size = 0;
    while (count < this.queued.length && (count === 0 || size < WRITE_BATCH_BYTES)) {
      size += framedLength(this.queued[count] as Uint8Array);
      count++;
    }
    return frameAll(this.queued.splice(0, count), size);
  }
}
