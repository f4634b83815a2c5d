/**
 * What is in flight to one HTTP member, by receipt: the deliveries it may still settle, and
 * settling receipts through the member's connection. [CONS-4]
 */
import type { DeliveredMessage } from '@ferry/protocol';
import type { MemberConnection } from './member-connection.js';
import { type Receipt, refKey } from './receipt.js';

export type SettleKind = 'ack' | 'nack' | 'deadLetter';
export interface SettleOptions {
  delayMs?: number;
  reason?: string;
}
export interface Settled {
  settled: Receipt[];
  notPending: Receipt[];
}

/** A delivery in flight to an HTTP member: its deliveryCount, and when it arrived. */
interface Held {
  count: number;
  at: number;
}

/**
 * What is in flight to one member, in delivery order (a redelivery moves to the end), so
 * deliveries older than the ack timeout are found at the front.
 */
export class HeldDeliveries {
  private readonly map = new Map<string, Held>();

  get size(): number {
    return this.map.size;
  }

  /** Records a delivery; true if it replaced an older one of the same message. */
  hold(m: DeliveredMessage, at: number): boolean {
    const key = refKey(m.partition, m.offset);
    const replaced = this.map.delete(key);
    this.map.set(key, { count: m.deliveryCount, at });
    return replaced;
  }

  /** Whether the receipt names the delivery in flight now. */
  matches(r: Receipt): boolean {
    return this.map.get(refKey(r.partition, r.offset))?.count === r.deliveryCount;
  }

  /** Forgets the receipt's delivery (if it is the one held); true if it was. */
  drop(r: Receipt): boolean {
    const key = refKey(r.partition, r.offset);
    if (this.map.get(key)?.count !== r.deliveryCount) return false;
    return this.map.delete(key);
  }

  /** Forgets deliveries older than the ack timeout (the group took them back); how many. */
  expire(ackTimeoutMs: number, now = Date.now()): number {
    let n = 0;
    for (const [key, held] of this.map) {
      if (now - held.at <= ackTimeoutMs) break;
      this.map.delete(key);
      n++;
    }
    return n;
  }
}

/** Settles the receipts that name deliveries held by `held`, through `conn`. */
export async function settleHeld(
  conn: MemberConnection,
  held: HeldDeliveries,
  kind: SettleKind,
  receipts: Receipt[],
  options: SettleOptions,
): Promise<Settled> {
  const valid: Receipt[] = [];
  const notPending: Receipt[] = [];
  const seen = new Set<string>();
  for (const r of receipts) {
    const key = refKey(r.partition, r.offset);
    if (held.matches(r) && !seen.has(key)) valid.push(r);
    else notPending.push(r);
    seen.add(key);
  }
  // Checked and taken in one turn: the handler takes the refs before its first await.
  const missing = await conn.settle(
    kind,
    valid.map((r) => ({ partition: r.partition, offset: r.offset })),
    options,
  );
  const gone = new Set(missing.map((m) => refKey(m.partition, m.offset)));
  const settled: Receipt[] = [];
  for (const r of valid) {
    held.drop(r);
    if (gone.has(refKey(r.partition, r.offset))) notPending.push(r);
    else settled.push(r);
  }
  return { settled, notPending };
}
