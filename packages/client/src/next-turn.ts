/**
 * Runs a callback once the current turn of the event loop is over, after every pending
 * promise continuation. A producer awaiting its acks in a loop refills its window in promise
 * continuations; flushing in a microtask would cut that into batches of one message.
 */
const setImmediateFn = (globalThis as { setImmediate?: (callback: () => void) => unknown })
  .setImmediate;

export const nextTurn: (callback: () => void) => void =
  setImmediateFn === undefined
    ? (callback) => {
        setTimeout(callback, 0);
      }
    : (callback) => {
        setImmediateFn(callback);
      };
