/**
 * Password checks with bounded concurrency and a bounded queue. scrypt runs on libuv's thread
 * pool, the same four threads (by default) that storage's file I/O waits for: unbounded, a
 * flood of wrong passwords would hold every thread and stall produces. [SEC-3]
 */
import { FerryError } from '@ferry/protocol';
import { verifyPassword } from './password.js';

export interface PasswordChecksOptions {
  /** Checks running at once: keep it well below the thread pool's size. */
  concurrency: number;
  /** Checks waiting for a turn; past it a check fails with OVERLOADED. */
  queue: number;
}

export class PasswordChecks {
  /** Checks completed since start, failed or not (an unknown user's included). */
  completed = 0;
  /** Checks refused because the queue was full. */
  refused = 0;

  private running = 0;
  /** Starters of the queued checks, oldest first. */
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: PasswordChecksOptions) {}

  /**
   * Whether `password` matches `hash`. Rejects with OVERLOADED (retriable) when the queue is
   * full, and with the signal's reason when it aborts before the check starts.
   */
  async verify(password: string, hash: string, signal?: AbortSignal): Promise<boolean> {
    await this.turn(signal);
    try {
      return await verifyPassword(password, hash);
    } finally {
      this.completed += 1;
      // A queued check takes over this one's place, so `running` stays as it is.
      const next = this.waiting.shift();
      if (next === undefined) this.running -= 1;
      else next();
    }
  }

  private turn(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    if (this.running < this.options.concurrency) {
      this.running += 1;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.options.queue) {
      this.refused += 1;
      throw new FerryError(
        'OVERLOADED',
        `${this.options.queue} password checks are already waiting; retry shortly`,
      );
    }
    return new Promise((resolve, reject) => {
      const start = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        this.waiting.splice(this.waiting.indexOf(start), 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(start);
    });
  }
}
