/**
 * MQTT over TCP (mqtt.port, 1883 by default), or over TLS only when the broker has TLS
 * options, with the same certificates as its other ports. Each socket takes a place under the
 * broker's connection caps as it is accepted, like every other socket. [LIMITS-7]
 */
import { createServer, type Server, type Socket } from 'node:net';
import {
  createServer as createTlsServer,
  type SecureContextOptions,
  type TlsOptions,
  type Server as TlsServer,
} from 'node:tls';
import type { PeerCertificate } from '../auth/outcome.js';
import type { Admission, Place } from '../server/admission.js';
import type { ServerLogger } from '../server/context.js';
import { listen } from '../server/listen.js';
import { serveTls, TlsPlaces } from '../server/tls-places.js';
import type { MqttAdapter } from './adapter.js';
import type { MqttTransport } from './connection.js';

export interface MqttListenerOptions {
  host: string;
  port: number;
  adapter: MqttAdapter;
  admission: Admission;
  log: ServerLogger;
  tls?: TlsOptions;
}

export interface MqttListener {
  readonly port: number;
  setSecureContext(options: SecureContextOptions): void;
  close(): Promise<void>;
}

function socketTransport(socket: Socket, certificate: PeerCertificate | undefined): MqttTransport {
  return {
    name: 'tcp',
    remoteAddress: socket.remoteAddress,
    certificate,
    write: (bytes, written) => {
      socket.write(bytes, () => written());
    },
    bufferedBytes: () => socket.writableLength,
    cork: () => socket.cork(),
    uncork: () => socket.uncork(),
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    end: () => socket.end(),
    destroy: () => socket.destroy(),
  };
}

export async function listenMqtt(options: MqttListenerOptions): Promise<MqttListener> {
  const { adapter, admission, log } = options;
  const sockets = new Set<Socket>();
  const secure = options.tls !== undefined;
  const server: Server | TlsServer =
    options.tls === undefined ? createServer() : createTlsServer(options.tls);
  const tlsPlaces = new TlsPlaces();

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', (err) =>
      log.debug({ err, remote: socket.remoteAddress }, 'mqtt socket error'),
    );
    socket.setNoDelay(true);
    const place = admission.admit(socket.remoteAddress);
    if ('reason' in place) {
      log.debug({ remote: socket.remoteAddress, reason: place.message }, 'mqtt connection refused');
      socket.destroy();
      return;
    }
    socket.once('close', () => place.release());
    if (secure) tlsPlaces.hold(socket, place);
    else serve(socket, place, undefined);
  });

  if (secure) serveTls(server as TlsServer, tlsPlaces, log, serve, () => adapter.tlsFailed());

  function serve(socket: Socket, place: Place, certificate: PeerCertificate | undefined): void {
    const conn = adapter.accept(socketTransport(socket, certificate), place);
    if (conn === undefined) {
      socket.destroy();
      return;
    }
    socket.on('data', (chunk: Buffer) => conn.receive(chunk));
    socket.on('drain', () => conn.writable());
    socket.on('close', () => conn.transportClosed());
  }

  const listening = await listen(
    server,
    'mqtt',
    options.host,
    options.port,
    log,
    () => {},
    () => sockets,
  );
  return {
    ...listening,
    setSecureContext: (context) => {
      if ('setSecureContext' in server) server.setSecureContext(context);
    },
  };
}
