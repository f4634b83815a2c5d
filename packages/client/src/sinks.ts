/** Where the connection routes each subscription's pushed frames and session changes. */
import type { DeliverFrame } from '@ferry/protocol';
import type { ServerError } from './errors.js';

/** What one subscription hears from the connection. */
export interface SubscriptionSink {
  deliver(frame: DeliverFrame): void;
  /** An error frame naming this subscription. */
  fail(error: ServerError): void;
  /** The session that carried the subscription ended (or is ending, after goingAway). */
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

  clear(): void {
    this.sinks.clear();
  }
}
