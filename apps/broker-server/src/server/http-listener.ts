/**
 * The HTTP port: health probes and the WebSocket endpoint. Over WebSocket one binary message
 * is one frame body, with no length prefix [FRAME-1].
 */
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { encodeFrame } from '@ferry/protocol';
import { type WebSocket, WebSocketServer } from 'ws';
import { BrokerConnection, CLOSE_LINGER_MS } from './connection.js';
import type { ConnectionContext } from './context.js';
import { errorFrame } from './error-frame.js';
import { listen } from './listen.js';
import type { FrameSink } from './outbound.js';
import type { ConnectionRegistry } from './registry.js';

export interface HttpListenerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Origins allowed to open a WebSocket; empty allows any. */
  allowedOrigins: readonly string[];
  context: ConnectionContext;
  registry: ConnectionRegistry;
  /** Whether the broker serves traffic, for /readyz. */
  ready: () => boolean;
}

export interface HttpListener {
  readonly port: number;
  /** Stops accepting and resolves once every socket is gone, destroying stragglers. */
  close(): Promise<void>;
}

export const WEBSOCKET_PATH = '/ws';

/** WebSocket close code 1013, "try again later", for a refusal at the connection cap. */
const WS_TRY_AGAIN_LATER = 1013;

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  return query === -1 ? raw : raw.slice(0, query);
}

function reply(res: ServerResponse, status: number, body: string, headers = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

function refuseUpgrade(socket: Duplex, status: number, body: string): void {
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}

function wsSink(ws: WebSocket, socket: Duplex): FrameSink {
  return {
    write: (bodies) => {
      // ws writes each message on its own; corking the socket makes the batch one writev.
      socket.cork();
      for (const body of bodies) ws.send(body, { binary: true });
      socket.uncork();
    },
    bufferedBytes: () => ws.bufferedAmount,
    end: () => ws.close(1000),
    destroy: () => ws.terminate(),
  };
}

export function listenHttp(options: HttpListenerOptions): Promise<HttpListener> {
  const { context, registry } = options;
  const { limits, log } = context;
  const upgraded = new Set<Duplex>();
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: limits.maxFrameBytes,
    perMessageDeflate: false,
  });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = pathOf(req.url);
    if (path !== '/livez' && path !== '/readyz') {
      reply(res, 404, 'not found\n');
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      reply(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
    } else if (path === '/livez') {
      reply(res, 200, 'ok\n');
    } else if (options.ready()) {
      reply(res, 200, 'ready\n');
    } else {
      reply(res, 503, 'not ready\n');
    }
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => log.debug({ err }, 'websocket socket error'));
    if (pathOf(req.url) !== WEBSOCKET_PATH) {
      refuseUpgrade(socket, 404, 'not found\n');
      return;
    }
    // Only browsers send Origin; other clients prove themselves with credentials in hello.
    const origin = req.headers.origin;
    if (
      options.allowedOrigins.length > 0 &&
      origin !== undefined &&
      !options.allowedOrigins.includes(origin)
    ) {
      log.warn(
        { origin, remote: req.socket.remoteAddress },
        'websocket refused: origin not allowed',
      );
      refuseUpgrade(socket, 403, 'origin not allowed\n');
      return;
    }
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, socket, req));
  });

  function accept(ws: WebSocket, socket: Duplex, req: IncomingMessage): void {
    const remoteAddress = req.socket.remoteAddress;
    ws.on('error', (err) => log.debug({ err, remote: remoteAddress }, 'websocket error'));

    if (!registry.hasRoom()) {
      log.warn({ remote: remoteAddress, max: registry.max }, 'connection refused: at cap');
      const refusal = errorFrame(
        limits,
        0,
        'TOO_MANY_CONNECTIONS',
        `the server is at its limit of ${registry.max} connections`,
      );
      ws.send(encodeFrame(refusal, limits), { binary: true });
      ws.close(WS_TRY_AGAIN_LATER);
      setTimeout(() => ws.terminate(), CLOSE_LINGER_MS).unref();
      return;
    }

    const conn = new BrokerConnection({
      ...context,
      transport: 'ws',
      sink: wsSink(ws, socket),
      remoteAddress,
    });
    registry.add(conn);

    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        conn.close('MALFORMED_FRAME', 'a frame is one binary message; text messages are refused');
        return;
      }
      // binaryType is the default 'nodebuffer', so a message arrives as one Buffer.
      conn.receive(data as Buffer);
    });
    socket.on('drain', () => conn.writable());
    ws.on('close', () => conn.transportClosed());
  }

  return listen(
    server,
    'http',
    options.host,
    options.port,
    log,
    () => {
      server.closeAllConnections();
      wss.close();
    },
    () => upgraded,
  );
}
