/** AbortSignal plumbing that works the same in every runtime. */
import { abortError, TimeoutError } from './errors.js';

/** A signal that fires when any of `signals` fires, with that signal's reason; `dispose` unlinks it. */
export function anySignal(signals: readonly (AbortSignal | undefined)[]): {
  signal: AbortSignal;
  dispose(): void;
} {
  const controller = new AbortController();
  const unlinks: (() => void)[] = [];
  for (const signal of signals) {
    if (signal === undefined) continue;
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    const onAbort = (): void => controller.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    unlinks.push(() => signal.removeEventListener('abort', onAbort));
  }
  return {
    signal: controller.signal,
    dispose: () => {
      for (const unlink of unlinks) unlink();
    },
  };
}

/** Resolves after `ms`, or early (without error) when `signal` fires. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `promise`, unless `signal` fires (ABORTED) or `timeoutMs` passes (TIMEOUT) first; the
 * promise itself goes on, and a later rejection of it stays handled.
 */
export function withDeadline<T>(
  promise: Promise<T>,
  what: string,
  options: { signal?: AbortSignal; timeoutMs?: number },
): Promise<T> {
  const { signal, timeoutMs } = options;
  if (signal === undefined && timeoutMs === undefined) return promise;
  promise.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => finish(() => reject(abortError(signal as AbortSignal, what)));
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(
            () => finish(() => reject(new TimeoutError(`${what} took over ${timeoutMs} ms`))),
            timeoutMs,
          );
    const finish = (settle: () => void): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}
