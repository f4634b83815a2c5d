/**
 * Reading from a connection's transport, paused while the connection must wait: its peer is
 * behind on reading its replies (its outbound bytes are held, by its own bound or the engine's
 * budget), or too many of its requests are still running. The frames read before the pause
 * took effect are kept, in order, and handled once it lifts. So a client that does not read
 * cannot make the broker queue more for it. [LIMITS-5]
 */
import type { OutboundQueue } from './outbound.js';

/** Reading from the transport. */
export interface ReadControl {
  pause(): void;
  resume(): void;
}

/** Requests whose handlers have not finished; past it the connection is not read from. */
export const MAX_REQUESTS_IN_FLIGHT = 256;

/**
 * Frames of the backlog handled per turn of the event loop. One read can hold thousands of
 * small frames; handling them in one go would keep every other connection (and this one's
 * own close) waiting, so the rest waits for the next turn.
 */
export const BACKLOG_SLICE = 64;

export interface ReadGateOptions {
  reading: ReadControl;
  outbound: OutboundQueue;
  /** Decodes and dispatches one frame body. */
  handle(body: Uint8Array): void;
  /** Whether frames are requests yet (after the handshake): only then may reading pause. */
  open(): boolean;
  closed(): boolean;
}

export class ReadGate {
  private readonly backlog: Uint8Array[] = [];
  private paused = false;
  private awaitingDrain = false;
  private requestsInFlight = 0;
  private nextSlice: ReturnType<typeof setImmediate> | undefined;

  constructor(private readonly options: ReadGateOptions) {}

  /** One frame body from the transport. */
  receive(body: Uint8Array): void {
    if (this.paused) {
      this.backlog.push(body);
      return;
    }
    this.options.handle(body);
    if (this.options.open() && this.mustWait()) this.pause();
  }

  /** A handler returned a promise. */
  requestStarted(): void {
    this.requestsInFlight += 1;
  }

  /** That promise settled. */
  requestFinished(): void {
    this.requestsInFlight -= 1;
    if (this.paused) this.scheduleResume();
  }

  /** The connection closed: what was read and not handled is dropped. */
  clear(): void {
    this.backlog.length = 0;
    clearImmediate(this.nextSlice);
    this.nextSlice = undefined;
  }

  private mustWait(): boolean {
    return this.options.outbound.held || this.requestsInFlight >= MAX_REQUESTS_IN_FLIGHT;
  }

  private pause(): void {
    const { outbound } = this.options;
    if (!this.paused) {
      this.paused = true;
      this.options.reading.pause();
    }
    if (outbound.held && !this.awaitingDrain) {
      this.awaitingDrain = true;
      outbound.watchStall();
      void outbound.drained().then(() => {
        this.awaitingDrain = false;
        this.scheduleResume();
      });
    }
    // Past the in-flight bound, each finishing request resumes.
  }

  /** Resumes on a later turn of the event loop, so that I/O (a close, other clients) goes first. */
  private scheduleResume(): void {
    this.nextSlice ??= setImmediate(() => {
      this.nextSlice = undefined;
      this.resume();
    });
  }

  /** Handles what was read meanwhile, a slice per turn, then reads again, unless it must wait once more. */
  private resume(): void {
    let handled = 0;
    while (this.paused && !this.options.closed()) {
      if (this.mustWait()) {
        this.pause();
        return;
      }
      if (handled === BACKLOG_SLICE) {
        this.scheduleResume();
        return;
      }
      handled += 1;
      const body = this.backlog.shift();
      if (body === undefined) {
        this.paused = false;
        this.options.reading.resume();
        return;
      }
      this.options.handle(body);
    }
  }
}
