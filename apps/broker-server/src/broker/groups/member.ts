/** One subscription (connection, sid) in a consumer group: its credit and what is in flight to it. */
import type { Connection } from '../../server/types.js';

export class Member {
  /** Messages the broker may still send; each delivery consumes one. */
  credit: number;
  /** Keys (see refKey) of the messages delivered to this member and not yet settled. */
  readonly inFlight = new Set<string>();
  /** Set while the connection's outbound buffer is over its soft bound. */
  blocked = false;
  /** Set once the member unsubscribed or its connection closed. */
  left = false;

  constructor(
    readonly conn: Connection,
    readonly sid: number,
    credit: number,
  ) {
    this.credit = credit;
  }

  /** Whether the coordinator may deliver to this member now. */
  get ready(): boolean {
    return !this.left && !this.blocked && !this.conn.closed && this.credit > 0;
  }
}

/** A message's identity within a group. */
export function refKey(partition: number, offset: number): string {
  return `${partition}:${offset}`;
}
