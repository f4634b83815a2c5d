/**
 * A bare protocol connection for the hostile clients: they misbehave as the SDK never would
 * (never read their replies, drop the connection mid-delivery), so they write frames on a
 * socket of their own. Every failure is a code: the broker's error code, or what the socket did.
 */
import { connect, type Socket } from 'node:net';
import {
  type Auth,
  decodeFrame,
  encodeFrame,
  type Frame,
  FrameReader,
  frame,
  PROTOCOL_VERSION,
} from '@ferry/protocol';
import { within } from './time.js';

export interface RawTarget {
  port: number;
  /** A loopback source address (127.0.0.2, ...), so the broker sees a remote of its own. */
  localAddress?: string;
  auth?: Auth;
  /** For the connect and the handshake together. */
  timeoutMs: number;
  /** Aborting destroys the socket: the handshake ends at once as `closed`. */
  signal?: AbortSignal;
}

export type Handshake =
  | { ok: true; connection: RawConnection; ms: number }
  | { ok: false; code: string; ms: number };

/** What a socket did instead of answering: `closed`, `timeout` or the errno (`ECONNRESET`). */
function socketCode(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string')
    return error.code;
  return error instanceof Error ? error.message : String(error);
}

export class RawConnection {
  /** Frames that answer no request of ours: deliveries, and errors with id 0. */
  onPush: (f: Frame) => void = () => {};
  readonly closed: Promise<void>;
  private readonly reader = new FrameReader();
  private readonly waiting = new Map<number, (f: Frame) => void>();
  private nextId = 2;
  private isClosed = false;

  constructor(readonly socket: Socket) {
    socket.on('error', () => {}); // `close` follows, and ends what waits
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const body of this.reader.push(chunk)) this.dispatch(decodeFrame(body));
      } catch {
        socket.destroy(); // the broker sent something undecodable: the caller sees a close
      }
    });
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** A request id not used yet on this connection. */
  id(): number {
    return this.nextId++;
  }

  /** Writes one frame; false when the socket's buffer is full (wait for `drain`). */
  send(f: Frame): boolean {
    return this.socket.write(frame(encodeFrame(f)));
  }

  /** Sends `f` and waits for the frame that answers its id; rejects with a socket code. */
  async request(f: Frame & { id: number }, timeoutMs: number): Promise<Frame> {
    const reply = new Promise<Frame>((resolve, reject) => {
      this.waiting.set(f.id, resolve);
      void this.closed.then(() => reject(new Error('closed')));
    });
    this.send(f);
    try {
      return await within(reply, timeoutMs, 'timeout');
    } catch (error) {
      throw new Error(String(error).includes('not done within') ? 'timeout' : 'closed');
    } finally {
      this.waiting.delete(f.id);
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private dispatch(f: Frame): void {
    // The broker's heartbeat has an id of its own, which is not one of ours.
    if (f.type === 'ping') {
      this.send({ type: 'pong', id: f.id });
      return;
    }
    const id = 'id' in f ? f.id : 0;
    const waiter = id === 0 ? undefined : this.waiting.get(id);
    if (waiter === undefined) this.onPush(f);
    else waiter(f);
  }
}

/** Connects and sends hello; the welcome gives a connection, anything else a refusal code. */
export async function handshake(target: RawTarget): Promise<Handshake> {
  const started = performance.now();
  const ms = () => performance.now() - started;
  const socket = connect({
    host: '127.0.0.1',
    port: target.port,
    localAddress: target.localAddress,
  });
  const connection = new RawConnection(socket);
  // A refusal before hello is answered (TOO_MANY_CONNECTIONS) comes with id 0.
  const abandon = () => connection.destroy();
  target.signal?.addEventListener('abort', abandon, { once: true });
  let refused: string | undefined;
  connection.onPush = (f) => {
    if (f.type === 'error') refused ??= f.code;
  };
  try {
    await within(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      }),
      target.timeoutMs,
      'timeout',
    );
    const hello: Frame = {
      type: 'hello',
      id: 1,
      minVersion: PROTOCOL_VERSION,
      maxVersion: PROTOCOL_VERSION,
      ...(target.auth === undefined ? {} : { auth: target.auth }),
      clientName: 'hostile',
    };
    const reply = await connection.request(hello, Math.max(1, target.timeoutMs - ms()));
    if (reply.type === 'welcome') {
      connection.onPush = () => {};
      return { ok: true, connection, ms: ms() };
    }
    connection.destroy();
    return { ok: false, code: reply.type === 'error' ? reply.code : reply.type, ms: ms() };
  } catch (error) {
    connection.destroy();
    const code = refused ?? socketCode(error);
    return { ok: false, code: code.includes('not done within') ? 'timeout' : code, ms: ms() };
  } finally {
    target.signal?.removeEventListener('abort', abandon);
  }
}
