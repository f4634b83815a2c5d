/**
 * A bare protocol client for connection-layer tests: it sends exactly what it is told,
 * valid or not, and hands back every frame the server sends, over TCP or WebSocket.
 */
import { connect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as connectSecure, type TLSSocket } from 'node:tls';
import {
  decodeFrame,
  encodeFrame,
  type Frame,
  FrameReader,
  frame,
  type HelloFrame,
  PROTOCOL_VERSION,
  type WelcomeFrame,
} from '@ferry/protocol';
import { WebSocket } from 'ws';

const DEFAULT_TIMEOUT_MS = 5000;

export interface RawClient {
  /** Encodes and sends one frame. */
  send(frame: Frame): void;
  /** Sends bytes as they are: stream bytes over TCP, one binary message over WebSocket. */
  sendRaw(bytes: Uint8Array): void;
  /** The next frame from the server; rejects on timeout or once the connection closed. */
  next(timeoutMs?: number): Promise<Frame>;
  /** Sends hello (defaults: id 1, this package's version range) and expects welcome. */
  handshake(hello?: Partial<Omit<HelloFrame, 'type'>>): Promise<WelcomeFrame>;
  /** Resolves when the connection is gone, whoever closed it. */
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
  close(): void;
}

export interface TcpClient extends RawClient {
  readonly socket: Socket;
}

export interface WsClient extends RawClient {
  readonly ws: WebSocket;
}

/** Frames in arrival order, and the readers waiting for them. */
class Inbox {
  private readonly frames: Frame[] = [];
  private readonly waiters: Array<{ resolve: (f: Frame) => void; reject: (e: Error) => void }> = [];
  private ended: Error | undefined;

  push(frame: Frame): void {
    const waiter = this.waiters.shift();
    if (waiter === undefined) this.frames.push(frame);
    else waiter.resolve(frame);
  }

  end(reason: Error): void {
    this.ended ??= reason;
    for (const waiter of this.waiters.splice(0)) waiter.reject(reason);
  }

  next(timeoutMs: number): Promise<Frame> {
    const queued = this.frames.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.ended !== undefined) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (f: Frame) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no frame within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

function clientCore(
  inbox: Inbox,
  closed: Promise<void>,
  isClosed: () => boolean,
  transport: { sendBody(body: Uint8Array): void; sendRaw(bytes: Uint8Array): void; close(): void },
): RawClient {
  const client: RawClient = {
    send: (f) => transport.sendBody(encodeFrame(f)),
    sendRaw: (bytes) => transport.sendRaw(bytes),
    next: (timeoutMs = DEFAULT_TIMEOUT_MS) => inbox.next(timeoutMs),
    handshake: async (hello = {}) => {
      client.send({
        type: 'hello',
        id: 1,
        minVersion: PROTOCOL_VERSION,
        maxVersion: PROTOCOL_VERSION,
        ...hello,
      });
      const reply = await client.next();
      if (reply.type !== 'welcome')
        throw new Error(`expected welcome, got ${JSON.stringify(reply)}`);
      return reply;
    },
    closed,
    get isClosed() {
      return isClosed();
    },
    close: () => transport.close(),
  };
  return client;
}

export interface TcpConnectOptions {
  /** Where the broker is; 127.0.0.1 when absent. */
  host?: string;
  /** A loopback address (127.0.0.2, ...) to connect from, as a distinct remote address. */
  localAddress?: string;
}

export async function connectTcp(
  port: number,
  options: TcpConnectOptions = {},
): Promise<TcpClient> {
  const socket = connect({ host: '127.0.0.1', port, ...options });
  return Object.assign(await overSocket(socket, 'connect'), { socket });
}

export interface TlsClient extends RawClient {
  readonly socket: TLSSocket;
}

/** Over TLS (ferrys://): resolves once the TLS handshake is done, rejects if it fails. */
export async function connectTls(port: number, options: ConnectionOptions): Promise<TlsClient> {
  const socket = connectSecure({ host: '127.0.0.1', port, ...options });
  return Object.assign(await overSocket(socket, 'secureConnect'), { socket });
}

async function overSocket(socket: Socket, connectEvent: string): Promise<RawClient> {
  const connected = new Promise<void>((resolve, reject) => {
    socket.once(connectEvent, resolve);
    socket.once('error', reject);
  });
  const inbox = new Inbox();
  const reader = new FrameReader();
  let gone = false;
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      gone = true;
      inbox.end(new Error('connection closed'));
      resolve();
    }),
  );
  socket.on('data', (chunk: Buffer) => {
    try {
      for (const body of reader.push(chunk)) inbox.push(decodeFrame(body));
    } catch (err) {
      inbox.end(err as Error);
      socket.destroy();
    }
  });
  await connected;
  socket.on('error', () => {}); // a reset by the server shows as `closed`
  return clientCore(inbox, closed, () => gone, {
    sendBody: (body) => socket.write(frame(body)),
    sendRaw: (bytes) => socket.write(bytes),
    close: () => socket.destroy(),
  });
}

export interface WsConnectOptions {
  path?: string;
  origin?: string;
}

function wsUrl(port: number, path: string): string {
  return `ws://127.0.0.1:${port}${path}`;
}

export async function connectWs(port: number, options: WsConnectOptions = {}): Promise<WsClient> {
  const ws = new WebSocket(
    wsUrl(port, options.path ?? '/ws'),
    options.origin === undefined ? {} : { origin: options.origin },
  );
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const inbox = new Inbox();
  let gone = false;
  const closed = new Promise<void>((resolve) =>
    ws.once('close', () => {
      gone = true;
      inbox.end(new Error('connection closed'));
      resolve();
    }),
  );
  ws.on('message', (data) => {
    try {
      inbox.push(decodeFrame(data as Buffer));
    } catch (err) {
      inbox.end(err as Error);
      ws.terminate();
    }
  });
  // Listening before 'open': a frame sent with the upgrade response arrives in the same tick.
  await opened;
  ws.on('error', () => {});
  const core = clientCore(inbox, closed, () => gone, {
    sendBody: (body) => ws.send(body, { binary: true }),
    sendRaw: (bytes) => ws.send(bytes, { binary: true }),
    close: () => ws.terminate(),
  });
  return Object.assign(core, { ws });
}

/** The HTTP status a WebSocket upgrade is answered with when it is refused. */
export function refusedUpgradeStatus(
  port: number,
  options: WsConnectOptions = {},
): Promise<number> {
  const ws = new WebSocket(
    wsUrl(port, options.path ?? '/ws'),
    options.origin === undefined ? {} : { origin: options.origin },
  );
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('error', reject);
  });
}
