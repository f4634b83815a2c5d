/**
 * A TLS listener takes a socket's place under the connection caps as the raw socket is accepted,
 * before any TLS byte, so that handshakes in progress count too; the TLS socket Node builds over
 * it finds that place again by the remote endpoint both share. [SEC-7] [LIMITS-7]
 */
import type { Socket } from 'node:net';
import type { TLSSocket, Server as TlsServer } from 'node:tls';
import type { PeerCertificate } from '../auth/outcome.js';
import type { Place } from './admission.js';
import type { ServerLogger } from './context.js';
import { verifiedPeerCertificate } from './tls-options.js';

const endpointOf = (socket: Socket): string | undefined =>
  socket.remoteAddress === undefined ? undefined : `${socket.remoteAddress}|${socket.remotePort}`;

/** The places of raw sockets still open, at most one per socket under the caps. */
export class TlsPlaces {
  private readonly byEndpoint = new Map<string, Place>();

  /** Keeps `place` for the TLS socket that will wrap `raw`, until `raw` closes. */
  hold(raw: Socket, place: Place): void {
    const key = endpointOf(raw);
    if (key === undefined) return;
    this.byEndpoint.set(key, place);
    raw.once('close', () => {
      if (this.byEndpoint.get(key) === place) this.byEndpoint.delete(key);
    });
  }

  /** The place of the raw socket under `secure`; undefined if it is already gone. */
  find(secure: Socket): Place | undefined {
    const key = endpointOf(secure);
    return key === undefined ? undefined : this.byEndpoint.get(key);
  }
}

/**
 * Serves the TLS sockets of `server` once their handshake is done, each with the place its raw
 * socket took; a failed handshake is told to `failed` and its socket destroyed (Node leaves a
 * socket whose handshake timed out open, and its place must come back).
 */
export function serveTls(
  server: TlsServer,
  places: TlsPlaces,
  log: ServerLogger,
  serve: (socket: TLSSocket, place: Place, certificate: PeerCertificate | undefined) => void,
  failed: (err: Error) => void,
): void {
  server.on('secureConnection', (socket: TLSSocket) => {
    const place = places.find(socket);
    if (place === undefined) {
      socket.destroy();
      return;
    }
    socket.on('error', (err) =>
      log.debug({ err, remote: socket.remoteAddress }, 'tls socket error'),
    );
    serve(socket, place, verifiedPeerCertificate(socket));
  });
  // Plain bytes, an old TLS version, a missing or untrusted client certificate, a timeout.
  server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
    failed(err);
    log.debug({ err, remote: socket.remoteAddress }, 'tls handshake failed');
    socket.destroy();
  });
}
