/** Connection status, delivered to listeners and to async iterators. */
import type { FerryError } from '@ferry/protocol';
import { ClosedError } from './errors.js';

/**
 * Something that happened to the client's connection.
 *
 * `goingAway`: the broker is stopping. The client sends no new request on that connection and
 * grants no more credit, but the settlements of messages already handed to the application
 * still go out; once their answers and every reply have arrived it closes the connection and
 * reconnects after `reconnectAfterMs`, to the next server of its list when it has several
 * (`disconnected`, `reconnecting` and `connected` follow). New requests meanwhile wait in the
 * bounded outbox.
 */
export type StatusEvent =
  | { type: 'connecting'; url: string; attempt: number }
  | { type: 'connected'; url: string; connectionId: string; reconnected: boolean }
  | { type: 'disconnected'; url: string; error: Error | undefined }
  | { type: 'reconnecting'; attempt: number; delayMs: number }
  | { type: 'goingAway'; reason: string; reconnectAfterMs: number | undefined }
  | { type: 'error'; error: FerryError }
  | { type: 'closed'; error: Error | undefined };

export type StatusListener = (event: StatusEvent) => void;

/** Events an iterator keeps unread before dropping its oldest; a slow reader never grows memory. */
const ITERATOR_BUFFER = 256;

export class StatusHub {
  private readonly listeners = new Set<StatusListener>();
  private ended = false;

  on(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: StatusEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A throwing listener must not break the connection or starve the other listeners.
      }
    }
    if (event.type === 'closed') {
      this.ended = true;
      this.listeners.clear();
    }
  }

  /** Resolves at the next `connected` event; rejects at `closed` with its error. */
  nextConnected(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const off = this.on((event) => {
        if (event.type === 'connected') {
          off();
          resolve();
        } else if (event.type === 'closed') {
          off();
          reject(event.error ?? new ClosedError());
        }
      });
    });
  }

  /** An iterator over the events from now on; it ends after `closed`. */
  iterate(): AsyncIterableIterator<StatusEvent> {
    const queue: StatusEvent[] = [];
    const waiters: (() => void)[] = [];
    let done = this.ended;
    const wake = (): void => {
      for (const waiter of waiters.splice(0)) waiter();
    };
    const off = this.on((event) => {
      if (queue.length === ITERATOR_BUFFER) queue.shift();
      queue.push(event);
      if (event.type === 'closed') done = true;
      wake();
    });
    const iterator: AsyncIterableIterator<StatusEvent> = {
      async next() {
        while (queue.length === 0) {
          if (done) return { done: true, value: undefined };
          await new Promise<void>((resolve) => waiters.push(resolve));
        }
        return { done: false, value: queue.shift() as StatusEvent };
      },
      async return() {
        done = true;
        off();
        wake();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }
}
