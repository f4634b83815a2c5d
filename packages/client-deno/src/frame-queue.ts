/**
 * Received frame bodies waiting for the transport's single consumer. The reading side checks
 * `full` and awaits `space()` (TCP pauses its reads) or treats `full` as fatal (WebSocket).
 */
export class FrameQueue {
  private frames: (Uint8Array | undefined)[] = [];
  private head = 0;
  private bytes = 0;
  private ended = false;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;

  constructor(private readonly maxBytes: number) {}

  /** Whether the unread frames reached the cap. */
  get full(): boolean {
    return this.bytes >= this.maxBytes;
  }

  push(frame: Uint8Array): void {
    if (this.ended) return;
    this.frames.push(frame);
    this.bytes += frame.length;
    this.wakeConsumer?.();
  }

  /** No more frames; the consumer still gets those already queued. */
  end(): void {
    this.ended = true;
    this.wakeConsumer?.();
    this.wakeProducer?.();
  }

  /** Resolves once the queue is below its cap or has ended. */
  space(): Promise<void> {
    if (!this.full || this.ended) return Promise.resolve();
    return new Promise((resolve) => {
      this.wakeProducer = () => {
        this.wakeProducer = undefined;
        resolve();
      };
    });
  }

  /** Resolves with the next frame, or `undefined` once the queue ended and is empty. */
  async next(): Promise<Uint8Array | undefined> {
    while (this.head === this.frames.length) {
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => {
        this.wakeConsumer = () => {
          this.wakeConsumer = undefined;
          resolve();
        };
      });
    }
    const frame = this.frames[this.head] as Uint8Array;
    this.frames[this.head++] = undefined;
    // Drops consumed slots once they are the larger part, so a busy queue does not grow.
    if (this.head * 2 >= this.frames.length && this.head >= 64) {
      this.frames = this.frames.slice(this.head);
      this.head = 0;
    }
    this.bytes -= frame.length;
    if (!this.full) this.wakeProducer?.();
    return frame;
  }

  /** The transport's iterator; leaving a `for await` early calls `onReturn` (closing it). */
  iterator(onReturn: () => Promise<void>): AsyncIterator<Uint8Array> {
    return {
      next: async () => {
        const frame = await this.next();
        return frame === undefined
          ? { done: true, value: undefined }
          : { done: false, value: frame };
      },
      return: async () => {
        await onReturn();
        return { done: true, value: undefined };
      },
    };
  }
}
