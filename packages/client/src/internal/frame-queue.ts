/**
 * Received frame bodies waiting for a transport's single consumer, bounded by the inbound
 * limits. A source that can stop reading is paused at either bound and resumed at half of
 * both; one that cannot is refused the frame that would pass a bound, and its transport closes.
 */
import type { InboundLimits } from '../transport.js';

/** The inbound limits every runtime applies unless the application sets its own. */
export const DEFAULT_INBOUND_LIMITS: InboundLimits = Object.freeze({
  maxBytes: 16 * 1024 * 1024,
  maxFrames: 4096,
});

/** The limits of `TransportOptions.inbound`, each defaulted on its own. */
export function inboundLimits(limits: Partial<InboundLimits> = {}): InboundLimits {
  return {
    maxBytes: limits.maxBytes ?? DEFAULT_INBOUND_LIMITS.maxBytes,
    maxFrames: limits.maxFrames ?? DEFAULT_INBOUND_LIMITS.maxFrames,
  };
}

/** How the queue holds its source still; both calls must be safe on a closed source. */
export interface FlowControl {
  pause(): void;
  resume(): void;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

export class FrameQueue {
  readonly #limits: InboundLimits;
  readonly #source: FlowControl | undefined;
  #frames: Uint8Array[] = [];
  #bytes = 0;
  #paused = false;
  #ended = false;
  #waiting: ((result: IteratorResult<Uint8Array>) => void) | undefined;

  /** Without `source`, a frame past the limits is refused instead of pausing anything. */
  constructor(limits: Partial<InboundLimits> | undefined, source?: FlowControl) {
    this.#limits = inboundLimits(limits);
    this.#source = source;
  }

  /** Frames queued and not yet read. */
  get length(): number {
    return this.#frames.length;
  }

  /** Bytes queued and not yet read. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Queues a frame, or hands it straight to a waiting consumer; ignored once ended. Returns
   * false, queueing nothing, when the source cannot pause and the frame would pass a limit.
   */
  push(frame: Uint8Array): boolean {
    if (this.#ended) return true;
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      waiting({ done: false, value: frame });
      return true;
    }
    const { maxBytes, maxFrames } = this.#limits;
    if (this.#source === undefined) {
      if (
        this.#frames.length > 0 &&
        (this.#frames.length >= maxFrames || this.#bytes + frame.length > maxBytes)
      ) {
        return false;
      }
    } else if (
      // The source may still deliver what it had already read (one chunk's frames): the bound
      // is the limits plus one read, not an exact count.
      !this.#paused &&
      (this.#frames.length + 1 >= maxFrames || this.#bytes + frame.length >= maxBytes)
    ) {
      this.#paused = true;
      this.#source.pause();
    }
    this.#frames.push(frame);
    this.#bytes += frame.length;
    return true;
  }

  /** No more frames will come; the consumer still gets those already queued. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#paused) {
      // A paused reader learns of the end only by reading on.
      this.#paused = false;
      this.#source?.resume();
    }
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.(DONE);
  }

  /** Ends the queue and drops what is unread: nobody wants it any more. */
  clear(): void {
    this.#frames = [];
    this.#bytes = 0;
    this.end();
  }

  /** The next frame; done once the queue ended and is empty. One caller at a time. */
  next(): Promise<IteratorResult<Uint8Array>> {
    const frame = this.#frames.shift();
    if (frame === undefined) {
      if (this.#ended) return Promise.resolve(DONE);
      return new Promise((resolve) => {
        this.#waiting = resolve;
      });
    }
    this.#bytes -= frame.length;
    if (
      this.#paused &&
      this.#frames.length <= this.#limits.maxFrames / 2 &&
      this.#bytes <= this.#limits.maxBytes / 2
    ) {
      this.#paused = false;
      this.#source?.resume();
    }
    return Promise.resolve({ done: false, value: frame });
  }

  /** A transport's iterator over the queue; leaving a `for await` early calls `close`. */
  iterator(close: () => Promise<void>): AsyncIterator<Uint8Array> {
    return {
      next: () => this.next(),
      return: async () => {
        await close();
        return DONE;
      },
    };
  }
}
