/** One member of a consumer group: its sink, its credit and what is in flight to it. */
import type { MessageRef } from '@ferry/protocol';
import type { MemberSink } from '../member-sink.js';

export class Member {
  /** Messages the broker may still send; each delivery consumes one. */
  credit: number;
  /** The offsets delivered to this member and not yet settled, by partition. */
  private readonly held = new Map<number, Set<number>>();
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
  hold(partition: number, offset: number): void {
    let offsets = this.held.get(partition);
    if (offsets === undefined) {
      offsets = new Set();
      this.held.set(partition, offsets);
    }
    offsets.add(offset);
  }

  /** Records that a message is no longer in flight to this member; false if it was not. */
  release(partition: number, offset: number): boolean {
    const offsets = this.held.get(partition);
    if (offsets === undefined || !offsets.delete(offset)) return false;
    if (offsets.size === 0) this.held.delete(partition);
    return true;
  }

  /** Every message in flight to this member, which holds none afterwards. */
  releaseAll(): MessageRef[] {
    const refs: MessageRef[] = [];
    for (const [partition, offsets] of this.held)
      for (const offset of offsets) refs.push({ partition, offset });
    this.held.clear();
    return refs;
  }

  /** Whether a message of `partition` is in flight to this member. [GROUP-4] */
  holds(partition: number): boolean {
    return this.held.has(partition);
  }

  /** Whether the coordinator may deliver to this member now. */
  get ready(): boolean {
    return !this.left && !this.blocked && !this.sink.closed && this.credit > 0;
  }
}
