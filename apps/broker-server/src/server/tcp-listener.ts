/**
 * The native protocol over TCP: each frame is a 4-byte big-endian length and a MessagePack
 * body [FRAME-1]. One FrameReader per socket splits the stream; a BrokerConnection does the rest.
 */
import { createServer, type Socket } from 'node:net';
import { encodeServerFrame, FrameReader, frameAll } from '@ferry/protocol';
import type { Admission } from './admission.js';
import { BrokerConnection, CLOSE_LINGER_MS } from './connection.js';
import { ConnectionMetrics } from './connection-metrics.js';
import type { ConnectionContext } from './context.js';
import { errorFrame } from './error-frame.js';
import { listen } from './listen.js';
import type { FrameSink } from './outbound.js';
import type { ConnectionRegistry } from './registry.js';

export interface TcpListenerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  context: ConnectionContext;
  registry: ConnectionRegistry;
  admission: Admission;
}

export interface TcpListener {
  readonly port: number;
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

export function listenTcp(options: TcpListenerOptions): Promise<TcpListener> {
  const { context, registry, admission } = options;
  const { limits, log } = context;
  const sockets = new Set<Socket>();
  const instruments = new ConnectionMetrics(context.metrics, 'tcp');
  const server = createServer();

  server.on('connection', (socket) => {
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
      const refusal = errorFrame(limits, 0, 'TOO_MANY_CONNECTIONS', message);
      socket.end(frameAll([encodeServerFrame(refusal, limits)]));
      setTimeout(() => socket.destroy(), CLOSE_LINGER_MS).unref();
      return;
    }
    socket.once('close', () => place.release());

    const reader = new FrameReader({ maxFrameBytes: limits.maxFrameBytes });
    const conn = new BrokerConnection({
      ...context,
      transport: 'tcp',
      sink: tcpSink(socket),
      reading: { pause: () => socket.pause(), resume: () => socket.resume() },
      place,
      remoteAddress: socket.remoteAddress,
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
  });

  return listen(
    server,
    'tcp',
    options.host,
    options.port,
    log,
    () => {},
    () => sockets,
  );
}
