/**
 * The opening phase both transports share: wait for the runtime's "open" event and turn
 * everything else into the core's errors, so a caller sees CONNECTION_FAILED or ABORTED only.
 */
import type { EventEmitter } from 'node:events';
import { abortError, ConnectionError } from '@ferry/client';

export interface ConnectAttempt {
  /** The socket or WebSocket being opened. */
  emitter: EventEmitter;
  /** The event that says it is open (`connect`, `secureConnect`, `open`). */
  openEvent: string;
  /** Where it connects, for messages (never with credentials). */
  address: string;
  signal: AbortSignal;
  /** Tears the attempt down; it may still emit `error` afterwards, which its owner handles. */
  abort(): void;
}

/** The error for an attempt that failed, carrying the runtime's error as its cause. */
export function connectionFailed(address: string, cause: unknown): ConnectionError {
  const why = cause instanceof Error ? `: ${cause.message}` : '';
  return new ConnectionError('CONNECTION_FAILED', `could not connect to ${address}${why}`, {
    cause,
  });
}

/**
 * Resolves once open; rejects with ABORTED on the signal, else with CONNECTION_FAILED. Call it
 * in the tick that started the attempt, with a signal that had not fired then.
 */
export function connectAttempt(attempt: ConnectAttempt): Promise<void> {
  const { emitter, openEvent, address, signal } = attempt;
  return new Promise((resolve, reject) => {
    const settle = (error?: Error): void => {
      emitter.off(openEvent, onOpen);
      emitter.off('error', onError);
      emitter.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onOpen = (): void => settle();
    const onError = (cause: Error): void => settle(connectionFailed(address, cause));
    const onClose = (): void =>
      settle(
        new ConnectionError('CONNECTION_FAILED', `${address} closed the connection as it opened`),
      );
    const onAbort = (): void => {
      settle(abortError(signal, `connecting to ${address}`));
      attempt.abort();
    };
    emitter.once(openEvent, onOpen);
    emitter.once('error', onError);
    emitter.once('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
