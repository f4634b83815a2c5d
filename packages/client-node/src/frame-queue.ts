/**
 * Received frame bodies waiting for a transport's single consumer. Node sockets can stop
 * reading, so instead of growing without bound the queue asks its source to pause once it
 * holds too much, and to resume once the consumer has drained half of it.
 */

/** How the queue holds its source still; both calls must be safe on a closed source. */
export interface FlowControl {
  pause(): void;
  resume(): void;
}

/** Unread frames or bytes at which the source is paused; it resumes at half of both. */
export const HIGH_WATER_FRAMES = 256;
export const HIGH_WATER_BYTES = 8 * 1024 * 1024;

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

export class FrameQueue {
  readonly #source: FlowControl;
  #frames: Uint8Array[] = [];
  #bytes = 0;
  #paused = false;
  #ended = false;
  #waiting: ((result: IteratorResult<Uint8Array>) => void) | undefined;

  constructor(source: FlowControl) {
    this.#source = source;
  }

  /** Queues a frame, or hands it straight to a waiting consumer. Ignored once ended. */
  push(frame: Uint8Array): void {
    if (this.#ended) return;
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      waiting({ done: false, value: frame });
      return;
    }
    this.#frames.push(frame);
    this.#bytes += frame.length;
    // The source may still deliver what it had already read (one chunk's frames): the bound
    // is the high-water mark plus one read, not an exact count.
    if (
      !this.#paused &&
      (this.#frames.length >= HIGH_WATER_FRAMES || this.#bytes >= HIGH_WATER_BYTES)
    ) {
      this.#paused = true;
      this.#source.pause();
    }
  }

  /** No more frames will come; the consumer still gets those already queued. */
  end(): void {
    this.#ended = true;
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
      !this.#ended &&
      this.#frames.length <= HIGH_WATER_FRAMES / 2 &&
      this.#bytes <= HIGH_WATER_BYTES / 2
    ) {
      this.#paused = false;
      this.#source.resume();
    }
    return Promise.resolve({ done: false, value: frame });
  }
}
