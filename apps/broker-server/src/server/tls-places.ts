/**
 * A TLS listener takes a socket's place under the connection caps as the raw socket is accepted,
 * before any TLS byte, so that handshakes in progress count too; the TLS socket Node builds over
 * it finds that place again by the remote endpoint both share. [SEC-7] [LIMITS-7]
 */
import type { Socket } from 'node:net';
import type { Place } from './admission.js';

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
