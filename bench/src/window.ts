/**
 * A bounded window of outstanding promises (produce acks, consumer acks): the caller adds
 * while there is room and waits for room when it is full.
 */
export class Window {
  fulfilled = 0;
  rejected = 0;
  firstError: unknown;

  private outstanding = 0;
  private roomWaiter: (() => void) | undefined;
  private wakeScheduled = false;
  private readonly emptyWaiters: (() => void)[] = [];

  constructor(readonly size: number) {}

  get full(): boolean {
    return this.outstanding >= this.size;
  }

  track(promise: Promise<unknown>): void {
    this.outstanding += 1;
    promise.then(
      () => this.settled(true),
      (error: unknown) => {
        this.firstError ??= error;
        this.settled(false);
      },
    );
  }

  /** Resolves once the window has room again. */
  room(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => {
      this.roomWaiter = resolve;
    });
  }

  /** Resolves once every tracked promise has settled. */
  empty(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.emptyWaiters.push(resolve));
  }

  private settled(ok: boolean): void {
    if (ok) this.fulfilled += 1;
    else this.rejected += 1;
    this.outstanding -= 1;
    if (this.outstanding === 0) for (const waiter of this.emptyWaiters.splice(0)) waiter();
    if (this.roomWaiter === undefined || this.wakeScheduled) return;
    // Wake the caller on the next macrotask, once the whole burst of acks that arrived together
    // has settled: refilling after each single ack would cut a client's per-tick batches into
    // slivers and measure the window, not the system.
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      const waiter = this.roomWaiter;
      this.roomWaiter = undefined;
      waiter?.();
    });
  }
}
