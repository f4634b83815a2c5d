/**
 * The native protocol over TCP: each frame is a 4-byte big-endian length and a MessagePack
 * body [FRAME-1]. One FrameReader per socket splits the stream; a BrokerConnection does the rest.
 * With TLS options the port speaks TLS only (ferrys://): a peer that does not complete a TLS
 * handshake never gets a frame. [SEC-7]
 */
import { createServer, type Server, type Socket } from 'node:net';
import {
  createServer as createTlsServer,
  type SecureContextOptions,
  type TlsOptions,
  type Server as TlsServer,
} from 'node:tls';
import { encodeServerFrame, FrameReader, frameAll } from '@ferry/protocol';
import type { PeerCertificate } from '../auth/outcome.js';
import type { Admission, Place } from './admission.js';
import { BrokerConnection, CLOSE_LINGER_MS } from './connection.js';
import { ConnectionMetrics } from './connection-metrics.js';
import type { ConnectionContext } from './context.js';
import { errorFrame } from './error-frame.js';
import { listen } from './listen.js';
import type { FrameSink } from './outbound.js';
import type { ConnectionRegistry } from './registry.js';
import { tlsFailure } from './tls-options.js';
import { serveTls, TlsPlaces } from './tls-places.js';

export interface TcpListenerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  context: ConnectionContext;
  registry: ConnectionRegistry;
  admission: Admission;
  /** Serve TLS only, with these options (see tls-options.ts); plain TCP without. */
  tls?: TlsOptions;
}

export interface TcpListener {
  readonly port: number;
  /** New certificates for the connections accepted from now on; only with TLS. */
  setSecureContext(options: SecureContextOptions): void;
  /** Stops accepting and resolves once every socket is gone, destroying stragglers. */
  close(): Promise<void>;
}

function tcpSink(socket: Socket): FrameSink {
  return {
    write: (bodies, written) => {
      socket.write(frameAll(bodies), () => written());
    },
    bufferedBytes: () => socket.writableLength,
    end: () => {
      socket.end();
    },
    destroy: () => {
      socket.destroy();
    },
  };
}

export async function listenTcp(options: TcpListenerOptions): Promise<TcpListener> {
  const { context, registry, admission } = options;
  const { limits, log } = context;
  const sockets = new Set<Socket>();
  const instruments = new ConnectionMetrics(context.metrics, 'tcp');
  const secure = options.tls !== undefined;
  const server: Server | TlsServer =
    options.tls === undefined ? createServer() : createTlsServer(options.tls);
  const tlsPlaces = new TlsPlaces();

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', (err) =>
      log.debug({ err, remote: socket.remoteAddress }, 'tcp socket error'),
    );
    socket.setNoDelay(true);

    const place = admission.admit(socket.remoteAddress);
    if ('reason' in place) {
      const { reason, message } = place;
      instruments.refused(reason);
      context.refusals.warn(
        { remote: socket.remoteAddress, reason: message },
        'connection refused',
      );
      // A TLS client cannot read a frame sent in clear, and none may be: it is cut off.
      if (secure) {
        socket.destroy();
        return;
      }
      const refusal = errorFrame(limits, 0, 'TOO_MANY_CONNECTIONS', message);
      socket.end(frameAll([encodeServerFrame(refusal, limits)]));
      setTimeout(() => socket.destroy(), CLOSE_LINGER_MS).unref();
      return;
    }
    socket.once('close', () => place.release());
    // Over TLS the connection starts once the handshake is done ('secureConnection').
    if (secure) tlsPlaces.hold(socket, place);
    else serve(socket, place, undefined);
  });

  if (secure)
    serveTls(server as TlsServer, tlsPlaces, log, serve, (err) =>
      instruments.tlsHandshakeFailed(tlsFailure(err)),
    );

  function serve(socket: Socket, place: Place, certificate: PeerCertificate | undefined): void {
    const reader = new FrameReader({ maxFrameBytes: limits.maxFrameBytes });
    const conn = new BrokerConnection({
      ...context,
      transport: 'tcp',
      sink: tcpSink(socket),
      reading: { pause: () => socket.pause(), resume: () => socket.resume() },
      place,
      remoteAddress: socket.remoteAddress,
      certificate,
      instruments,
    });
    registry.add(conn);

    socket.on('data', (chunk: Buffer) => {
      // After a close the peer's bytes are read and dropped until it hangs up or the linger ends.
      if (conn.closed) return;
      let bodies: Uint8Array[];
      try {
        bodies = reader.push(chunk);
      } catch (err) {
        conn.streamError(err); // [FRAME-2] [FRAME-3] checked by the reader before any allocation
        return;
      }
      for (const body of bodies) conn.receive(body);
    });
    socket.on('drain', () => conn.writable());
    socket.on('close', () => conn.transportClosed());
  }

  const listening = await listen(
    server,
    'tcp',
    options.host,
    options.port,
    log,
    () => {},
    () => sockets,
  );
  return {
    ...listening,
    setSecureContext: (context) => {
      if (!secure) throw new Error('the TCP listener does not speak TLS');
      if ('setSecureContext' in server) server.setSecureContext(context);
    },
  };
}
