/**
 * The bounded queue of encoded frames waiting to be written: while disconnected, after a
 * goingAway, and while the transport reports full [CLIENT-5] [CLIENT-6]. Frames leave in the
 * order they came; a frame bound to one session is never written on another.
 */

/** One frame waiting in the outbox. */
export interface Outgoing {
  readonly bytes: Uint8Array;
  /** The session the frame belongs to (settlements, credit); undefined: any session. */
  readonly session: number | undefined;
  /** An ack, nack or deadLetter: still written on a session the server is leaving [CLIENT-5]. */
  readonly settlement: boolean;
  /** Called just before the frame is written on session `session`. */
  sent(session: number): void;
  /** Called when the frame's session ended before it could be written. */
  dropped(): void;
}

export class Outbox {
  private readonly items = new Map<number, Outgoing>();
  private lastKey = 0;
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxFrames: number,
  ) {}

  get size(): number {
    return this.items.size;
  }

  /** Whether `length` more bytes fit within both bounds. */
  fits(length: number): boolean {
    return this.items.size + 1 <= this.maxFrames && this.bytes + length <= this.maxBytes;
  }

  /** Describes how full the outbox is, for BUFFER_FULL messages. */
  describe(): string {
    return `${this.items.size} frames, ${this.bytes} bytes`;
  }

  /** Queues `item` whatever the bounds (the caller checked `fits`); returns its key. */
  add(item: Outgoing): number {
    this.lastKey += 1;
    this.items.set(this.lastKey, item);
    this.bytes += item.bytes.length;
    return this.lastKey;
  }

  /** Takes an item out unsent (its request was aborted or timed out). */
  remove(key: number): void {
    const item = this.items.get(key);
    if (item === undefined) return;
    this.items.delete(key);
    this.bytes -= item.bytes.length;
  }

  /** The oldest item, taken out; with `session`, the oldest item bound to it. */
  shift(session?: number): Outgoing | undefined {
    for (const [key, item] of this.items) {
      if (session !== undefined && item.session !== session) continue;
      this.remove(key);
      return item;
    }
    return undefined;
  }

  /** Whether an item bound to `session` waits. */
  holds(session: number): boolean {
    for (const item of this.items.values()) if (item.session === session) return true;
    return false;
  }

  /** Drops every item bound to a session other than `live` (none: every bound item). */
  dropBound(live: number | undefined): void {
    for (const [key, item] of [...this.items]) {
      if (item.session === undefined || item.session === live) continue;
      this.remove(key);
      item.dropped();
    }
  }

  /**
   * Drops every bound item but the settlements bound to `leaving`, the session the server is
   * leaving: its credit, and the requests it was not yet sent, never go out [CLIENT-5].
   */
  keepSettlements(leaving: number): void {
    for (const [key, item] of [...this.items]) {
      if (item.session === undefined || (item.session === leaving && item.settlement)) continue;
      this.remove(key);
      item.dropped();
    }
  }

  /** Empties the outbox, telling every item it was dropped. */
  clear(): void {
    for (const [key, item] of [...this.items]) {
      this.remove(key);
      item.dropped();
    }
  }
}
