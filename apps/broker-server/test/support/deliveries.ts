/** Deliveries per subscription over a Requester: pushes for other sids wait in their own box. */
import type { DeliveredMessage, Frame } from '@ferry/protocol';
import type { Requester } from './requester.js';

export class Deliveries {
  private readonly boxes = new Map<number, DeliveredMessage[]>();
  /** Deliver frames received, per sid, for asserting how deliveries were batched. */
  readonly frames = new Map<number, number>();

  constructor(private readonly r: Requester) {}

  /** The next `n` messages delivered to `sid` (more if the last frame carried more). */
  async take(sid: number, n: number): Promise<DeliveredMessage[]> {
    const box = this.box(sid);
    while (box.length < n) this.route(await this.r.nextUnsolicited());
    return box.splice(0, box.length);
  }

  private route(frame: Frame): void {
    if (frame.type !== 'deliver')
      throw new Error(`expected a deliver frame, got ${JSON.stringify(frame)}`);
    this.box(frame.sid).push(...frame.messages);
    this.frames.set(frame.sid, (this.frames.get(frame.sid) ?? 0) + 1);
  }

  private box(sid: number): DeliveredMessage[] {
    let box = this.boxes.get(sid);
    if (box === undefined) {
      box = [];
      this.boxes.set(sid, box);
    }
    return box;
  }
}
