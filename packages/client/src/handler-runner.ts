/**
 * Handler mode: calls the application's handler for each message, at most `concurrency` calls
 * at once, and settles what the handler left unsettled (ack on return, nack on throw). The next
 * call never waits for an earlier settlement's answer [CLIENT-3]: settlements are pipelined,
 * and a failing one is reported, never awaited.
 */
import { type Deferred, deferred } from './deferred.js';
import type { Message } from './message.js';

export class HandlerRunner<T> {
  private running = 0;
  private readonly idle: Deferred<void>[] = [];

  /**
   * `take` hands out the next message, if there is one to run; `report` gets every failure
   * with its message.
   */
  constructor(
    private readonly handler: (message: Message<T>) => unknown,
    private readonly concurrency: number,
    private readonly take: () => Message<T> | undefined,
    private readonly report: (error: unknown, message: Message<T>) => void,
  ) {}

  /** Starts handler calls while there are messages and free slots. */
  pump(): void {
    while (this.running < this.concurrency) {
      const message = this.take();
      if (message === undefined) return;
      this.running += 1;
      void this.run(message);
    }
  }

  /** Resolves once no handler call is running. */
  whenIdle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    const waiter = deferred<void>();
    this.idle.push(waiter);
    return waiter.promise;
  }

  private async run(message: Message<T>): Promise<void> {
    try {
      await this.handler(message);
      if (!message.settled) this.watch(message.ack(), message);
    } catch (error) {
      if (!message.settled) this.watch(message.nack(), message);
      // A settlement the handler awaited and rethrew was not reported: this is its one report.
      this.report(error, message);
    } finally {
      this.running -= 1;
      if (this.running === 0) for (const waiter of this.idle.splice(0)) waiter.resolve();
      this.pump();
    }
  }

  private watch(settlement: Promise<void>, message: Message<T>): void {
    settlement.then(undefined, (error: unknown) => this.report(error, message));
  }
}
