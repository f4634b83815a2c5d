/** A promise with its settle functions, and helpers that keep rejections from going unhandled. */

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const ignore = (): void => {};

/**
 * Marks a promise's rejection as handled and returns the same promise: a caller who awaits it
 * still sees the error, one who drops it (an un-awaited `ack()`) gets no unhandled rejection.
 */
export function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(ignore);
  return promise;
}
