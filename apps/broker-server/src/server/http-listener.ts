/**
 * The HTTP port: health probes, the WebSocket endpoint, /metrics and /console, each a row of a
 * route table (see router.ts); upgrades have a table of their own, as Node hands them over on
 * their own event.
 * Over WebSocket one binary message is one frame body, with no length prefix [FRAME-1]. Every
 * socket takes a place under the connection caps as it is accepted, and requests have header
 * and request timeouts. [LIMITS-7] With TLS options the port speaks HTTPS and WSS only. [SEC-7]
 */
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SecureContextOptions, TLSSocket, TlsOptions } from 'node:tls';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Exposition } from '../metrics.js';
import type { MqttAdapter } from '../mqtt/adapter.js';
import type { MqttTransport } from '../mqtt/connection.js';
import type { Admission, Place } from './admission.js';
import { BrokerConnection } from './connection.js';
import { ConnectionMetrics } from './connection-metrics.js';
import { consoleRoutes } from './console-route.js';
import type { ConnectionContext } from './context.js';
import { listen } from './listen.js';
import { METRICS_PATH, serveMetrics } from './metrics-route.js';
import { originAllowed } from './origin-policy.js';
import type { FrameSink } from './outbound.js';
import type { ConnectionRegistry } from './registry.js';
import { type RoutedPath, Router } from './router.js';
import { tlsFailure, verifiedPeerCertificate } from './tls-options.js';
import { TlsPlaces } from './tls-places.js';

export interface HttpListenerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Origins allowed to open a WebSocket; empty: loopback and same-host ones; '*': any. */
  allowedOrigins: readonly string[];
  /** An HTTP request must have sent its headers within this time. */
  headersTimeoutMs: number;
  /** An HTTP request must be complete within this time. */
  requestTimeoutMs: number;
  context: ConnectionContext;
  registry: ConnectionRegistry;
  admission: Admission;
  /** Whether the broker serves traffic, for /readyz. */
  ready: () => boolean;
  /** What GET /metrics serves; without it there is no /metrics (404). */
  exposition?: Exposition;
  /** Serve HTTPS and WSS only, with these options (see tls-options.ts); plain HTTP without. */
  tls?: TlsOptions;
  /** The HTTP API, served under /v1/ (see http/gateway.ts); none without it. */
  api?: RequestHandler;
  /** The web console at /console/, from `dir` or where console-dir.ts finds it; none without it. */
  console?: { dir?: string };
  /** MQTT over WebSocket at /mqtt; none without it. */
  mqtt?: { adapter: MqttAdapter; maxPacketBytes: number };
}

export interface HttpListener {
  readonly port: number;
  /** New certificates for the connections accepted from now on; only with TLS. */
  setSecureContext(options: SecureContextOptions): void;
  /** Stops accepting and resolves once every socket is gone, destroying stragglers. */
  close(): Promise<void>;
}

export const WEBSOCKET_PATH = '/ws';
export const MQTT_WEBSOCKET_PATH = '/mqtt';

/** How often Node looks for requests past their timeouts (its default, 30 s, would let a slow socket stay that much longer). */
const TIMEOUT_CHECK_MS = 1000;

export type RequestHandler = (req: IncomingMessage, res: ServerResponse, at: RoutedPath) => void;

const API_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Everything under /v1/ goes to the API, which matches its own routes. */
function apiRoutes(api: RequestHandler | undefined) {
  if (api === undefined) return [];
  return API_METHODS.map((method) => ({ method, path: '/v1/*', handler: api }));
}
type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

function reply(res: ServerResponse, status: number, body: string, headers = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

/** An HTTP response written straight to the socket, which then closes. */
function refuseRaw(socket: Duplex, status: number, body: string, allow?: string): void {
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  if (allow !== undefined) head.push(`Allow: ${allow}`);
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}

function wsSink(ws: WebSocket, socket: Duplex): FrameSink {
  return {
    write: (bodies, written) => {
      // ws writes each message on its own; corking the socket makes the batch one writev.
      socket.cork();
      bodies.forEach((body, i) => {
        ws.send(body, { binary: true }, i === bodies.length - 1 ? () => written() : undefined);
      });
      socket.uncork();
    },
    bufferedBytes: () => ws.bufferedAmount,
    end: () => ws.close(1000),
    destroy: () => ws.terminate(),
  };
}

/** MQTT over WebSocket: the messages' bytes are one stream of MQTT packets. */
function mqttWsTransport(ws: WebSocket, req: IncomingMessage, socket: Duplex): MqttTransport {
  return {
    name: 'ws',
    remoteAddress: req.socket.remoteAddress,
    certificate: verifiedPeerCertificate(req.socket),
    write: (bytes, written) => ws.send(bytes, { binary: true }, () => written()),
    bufferedBytes: () => ws.bufferedAmount,
    cork: () => socket.cork(),
    uncork: () => socket.uncork(),
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    end: () => ws.close(1000),
    destroy: () => ws.terminate(),
  };
}

export async function listenHttp(options: HttpListenerOptions): Promise<HttpListener> {
  const { context, registry, admission } = options;
  const { limits, log } = context;
  const upgraded = new Set<Duplex>();
  const places = new WeakMap<Duplex, Place>();
  const instruments = new ConnectionMetrics(context.metrics, 'ws');
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: limits.maxFrameBytes,
    perMessageDeflate: false,
  });

  const serverOptions = {
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS, options.headersTimeoutMs),
  };
  const routes = new Router<RequestHandler>([
    { method: 'GET', path: '/livez', handler: (_req, res) => reply(res, 200, 'ok\n') },
    {
      method: 'GET',
      path: '/readyz',
      handler: (_req, res) =>
        options.ready() ? reply(res, 200, 'ready\n') : reply(res, 503, 'not ready\n'),
    },
    ...(options.exposition === undefined
      ? []
      : [
          {
            method: 'GET' as const,
            path: METRICS_PATH,
            handler: serveMetrics(options.exposition, log),
          },
        ]),
    ...apiRoutes(options.api),
    ...(options.console === undefined ? [] : consoleRoutes(options.console.dir, log)),
  ]);
  const upgrades = new Router<UpgradeHandler>([
    { method: 'GET', path: WEBSOCKET_PATH, handler: upgradeWebSocket },
    ...(options.mqtt === undefined
      ? []
      : [{ method: 'GET' as const, path: MQTT_WEBSOCKET_PATH, handler: upgradeMqtt }]),
  ]);
  // The subprotocol is `mqtt` when the client offers it (MQTT over WebSocket asks it to).
  const mqttWss =
    options.mqtt === undefined
      ? undefined
      : new WebSocketServer({
          noServer: true,
          clientTracking: false,
          maxPayload: options.mqtt.maxPacketBytes,
          perMessageDeflate: false,
          handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
        });

  const handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const route = routes.match(req.method, req.url);
    if (route.status === 404) reply(res, 404, 'not found\n');
    else if (route.status === 405) reply(res, 405, 'method not allowed\n', { allow: route.allow });
    else route.handler(req, res, route);
  };
  const secure = options.tls !== undefined;
  const server =
    options.tls === undefined
      ? createServer(serverOptions, handleRequest)
      : createHttpsServer({ ...serverOptions, ...options.tls }, handleRequest);
  const tlsPlaces = new TlsPlaces();

  server.on('connection', (socket: Socket) => {
    const place = admission.admit(socket.remoteAddress);
    if ('reason' in place) {
      const { reason, message } = place;
      instruments.refused(reason);
      context.refusals.warn(
        { remote: socket.remoteAddress, reason: message },
        'connection refused',
      );
      // Nothing goes out in clear to a TLS client: it is cut off.
      if (secure) socket.destroy();
      else refuseRaw(socket, 503, `${message} (TOO_MANY_CONNECTIONS)\n`);
      return;
    }
    places.set(socket, place);
    socket.once('close', () => place.release());
    if (secure) tlsPlaces.hold(socket, place);
  });

  if (secure) {
    // Requests and upgrades arrive on the TLS socket: it takes the place of the raw one.
    server.on('secureConnection', (socket: TLSSocket) => {
      const place = tlsPlaces.find(socket);
      if (place === undefined) socket.destroy();
      else places.set(socket, place);
    });
    // Plain HTTP, an old TLS version, a missing or untrusted client certificate, a timeout.
    server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
      instruments.tlsHandshakeFailed(tlsFailure(err));
      log.debug({ err, remote: socket.remoteAddress }, 'tls handshake failed');
      // Node leaves a socket whose handshake timed out open: its place must come back.
      socket.destroy();
    });
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => log.debug({ err }, 'websocket socket error'));
    const route = upgrades.match(req.method, req.url);
    if (route.status === 404) refuseRaw(socket, 404, 'not found\n');
    else if (route.status === 405) refuseRaw(socket, 405, 'method not allowed\n', route.allow);
    else route.handler(req, socket, head);
  });

  function upgradeWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!originChecked(req, socket)) return;
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, socket, req));
  }

  function upgradeMqtt(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!originChecked(req, socket) || mqttWss === undefined || options.mqtt === undefined) return;
    const adapter = options.mqtt.adapter;
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    mqttWss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', (err) =>
        log.debug({ err, remote: req.socket.remoteAddress }, 'mqtt websocket error'),
      );
      const place = places.get(socket);
      const conn =
        place === undefined ? undefined : adapter.accept(mqttWsTransport(ws, req, socket), place);
      if (conn === undefined) {
        ws.terminate();
        return;
      }
      ws.on('message', (data, isBinary) => {
        if (isBinary) conn.receive(data as Buffer);
        else conn.fail(0x81, 'malformed', 'MQTT over WebSocket is sent in binary messages');
      });
      socket.on('drain', () => conn.writable());
      ws.on('close', () => conn.transportClosed());
    });
  }

  /** Only browsers send Origin; other clients prove themselves with credentials in hello. */
  function originChecked(req: IncomingMessage, socket: Duplex): boolean {
    const { origin, host } = req.headers;
    if (!originAllowed(origin, host, options.allowedOrigins)) {
      instruments.refused('origin');
      log.warn(
        { origin, host, remote: req.socket.remoteAddress },
        'websocket refused: origin not allowed',
      );
      refuseRaw(socket, 403, 'origin not allowed (ORIGIN_NOT_ALLOWED)\n');
      return false;
    }
    return true;
  }

  function accept(ws: WebSocket, socket: Duplex, req: IncomingMessage): void {
    const remoteAddress = req.socket.remoteAddress;
    ws.on('error', (err) => log.debug({ err, remote: remoteAddress }, 'websocket error'));
    const place = places.get(socket);
    if (place === undefined) {
      // Every socket got a place on 'connection'; without one the caps would not hold.
      ws.terminate();
      return;
    }
    const conn = new BrokerConnection({
      ...context,
      transport: 'ws',
      sink: wsSink(ws, socket),
      reading: { pause: () => ws.pause(), resume: () => ws.resume() },
      place,
      remoteAddress,
      certificate: verifiedPeerCertificate(req.socket),
      instruments,
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

  const listening = await listen(
    server,
    'http',
    options.host,
    options.port,
    log,
    () => {
      server.closeAllConnections();
      wss.close();
      mqttWss?.close();
    },
    () => upgraded,
  );
  return {
    ...listening,
    setSecureContext: (context) => {
      if (!secure) throw new Error('the HTTP listener does not speak TLS');
      if ('setSecureContext' in server) server.setSecureContext(context);
    },
  };
}
