/**
 * Every live connection, over TCP and WebSocket alike: one list to warn and close on shutdown.
 * (The caps count sockets, in Admission.)
 */
import type { ErrorCode } from '@ferry/protocol';
import type { BrokerConnection } from './connection.js';

export class ConnectionRegistry {
  private readonly live = new Set<BrokerConnection>();

  get size(): number {
    return this.live.size;
  }

  [Symbol.iterator](): IterableIterator<BrokerConnection> {
    // A copy: what is done to each may close it, which removes it from the set.
    return [...this.live][Symbol.iterator]();
  }

  /** Tracks `conn` until it closes. */
  add(conn: BrokerConnection): void {
    this.live.add(conn);
    conn.onClose(() => this.live.delete(conn));
  }

  /** Sends goingAway on every connection; they stay open to finish in-flight work. */
  goingAwayAll(reason: string, reconnectAfterMs?: number): void {
    for (const conn of this.live) conn.goingAway(reason, reconnectAfterMs);
  }

  /** Closes every connection with an error frame. */
  closeAll(code: ErrorCode = 'SHUTTING_DOWN', message = 'the broker is stopping'): void {
    // Closing removes a connection from the set, so walk a copy.
    for (const conn of [...this.live]) conn.close(code, message);
  }
}
