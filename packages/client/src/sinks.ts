/** Where the connection routes each subscription's pushed frames and session changes. */
import type { DeliverFrame } from '@ferry/protocol';
import type { ServerError } from './errors.js';

/** What one subscription hears from the connection. */
export interface SubscriptionSink {
  deliver(frame: DeliverFrame): void;
  /** An error frame naming this subscription. */
  fail(error: ServerError): void;
  /**
   * The server said goingAway [CLIENT-5]: hand out nothing more from this session (what is
   * buffered is dropped, the broker redelivers it), but keep settling what was handed out.
   */
  leaving(): void;
  /**
   * Messages handed to the application on the current session whose settlement has not gone
   * out yet; a leaving session closes once every subscription has none.
   */
  unsettled(): number;
  /** The session that carried the subscription ended. */
  disconnected(): void;
  /** A new session is up; the subscription subscribes again. */
  reconnected(): void;
  /** The client closed for good; `error` says why unless close() was called. */
  closed(error: Error | undefined): void;
}

const MAX_SID = 0xffff_ffff;

/** The subscriptions by id; ids are allocated here and never 0. */
export class SinkTable {
  private readonly sinks = new Map<number, SubscriptionSink>();
  private lastSid = 0;

  add(sink: SubscriptionSink): number {
    do this.lastSid = this.lastSid === MAX_SID ? 1 : this.lastSid + 1;
    while (this.sinks.has(this.lastSid));
    this.sinks.set(this.lastSid, sink);
    return this.lastSid;
  }

  remove(sid: number): void {
    this.sinks.delete(sid);
  }

  get(sid: number | undefined): SubscriptionSink | undefined {
    return sid === undefined ? undefined : this.sinks.get(sid);
  }

  /** Calls `tell` for every sink, on a copy (a sink may remove itself). */
  each(tell: (sink: SubscriptionSink) => void): void {
    for (const sink of [...this.sinks.values()]) tell(sink);
  }

  /** The sum of every sink's `unsettled()`. */
  unsettled(): number {
    let count = 0;
    for (const sink of this.sinks.values()) count += sink.unsettled();
    return count;
  }

  clear(): void {
    this.sinks.clear();
  }
}
