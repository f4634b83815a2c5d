/**
 * Every live connection, over TCP and WebSocket alike: one count for the connection cap,
 * one list to warn and close on shutdown.
 */
import type { ErrorCode } from '@ferry/protocol';
import type { BrokerConnection } from './connection.js';

export class ConnectionRegistry {
  readonly max: number;
  private readonly live = new Set<BrokerConnection>();

  constructor(max: number) {
    this.max = max;
  }

  get size(): number {
    return this.live.size;
  }

  /** Whether one more connection fits under the cap. */
  hasRoom(): boolean {
    return this.live.size < this.max;
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
