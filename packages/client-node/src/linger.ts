/** The last step of a close started here, shared by both transports. */
import type { EventEmitter } from 'node:events';

/** How long a closing connection waits for the server to hang up. */
const CLOSE_LINGER_MS = 1000;

/** Calls `drop` unless `connection` emits `close` within the linger time. */
export function dropAfterLinger(connection: EventEmitter, drop: () => void): void {
  const timer = setTimeout(drop, CLOSE_LINGER_MS);
  // A connection that is closing must never keep the process alive.
  timer.unref();
  connection.once('close', () => clearTimeout(timer));
}
