/** One member of a consumer group: its sink, its credit and what is in flight to it. */
import type { MemberSink } from '../member-sink.js';

export class Member {
  /** Messages the broker may still send; each delivery consumes one. */
  credit: number;
  /** Keys (see refKey) of the messages delivered to this member and not yet settled. */
  readonly inFlight = new Set<string>();
  /** How many of those are of each partition, for handing a partition over. [GROUP-4] */
  private readonly inFlightBy = new Map<number, number>();
  /** Set while the sink is over its soft bound. */
  blocked = false;
  /** Set once the member left (unsubscribed, or its connection closed). */
  left = false;

  constructor(
    readonly sink: MemberSink,
    credit: number,
  ) {
    this.credit = credit;
  }

  /** Records a message delivered to this member. */
  hold(partition: number, key: string): void {
    this.inFlight.add(key);
    this.inFlightBy.set(partition, (this.inFlightBy.get(partition) ?? 0) + 1);
  }

  /** Records that a message is no longer in flight to this member; false if it was not. */
  release(partition: number, key: string): boolean {
    if (!this.inFlight.delete(key)) return false;
    const left = (this.inFlightBy.get(partition) ?? 1) - 1;
    if (left > 0) this.inFlightBy.set(partition, left);
    else this.inFlightBy.delete(partition);
    return true;
  }

  releaseAll(): void {
    this.inFlight.clear();
    this.inFlightBy.clear();
  }

  /** Whether a message of `partition` is in flight to this member. */
  holds(partition: number): boolean {
    return this.inFlightBy.has(partition);
  }

  /** Whether the coordinator may deliver to this member now. */
  get ready(): boolean {
    return !this.left && !this.blocked && !this.sink.closed && this.credit > 0;
  }
}

/** A message's identity within a group. */
export function refKey(partition: number, offset: number): string {
  return `${partition}:${offset}`;
}
