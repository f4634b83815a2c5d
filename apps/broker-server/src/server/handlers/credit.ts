import type { CreditFrame } from '@ferry/protocol';
import type { BrokerCore } from '../../broker/core.js';
import type { Connection } from '../types.js';
import { Subscriptions } from './subscriptions.js';

/** Adds credit, capped at maxCredit. [CONS-2] */
export function credit(core: BrokerCore, conn: Connection, frame: CreditFrame): void {
  const { member, coordinator } = Subscriptions.of(conn, core.limits.maxSubscriptions).get(
    frame.sid,
  );
  member.credit = Math.min(member.credit + frame.credit, core.limits.maxCredit);
  coordinator.pump();
}
