/**
 * The client's error family. Every error is a {@link FerryError} with a stable code from the
 * spec's table, its number, `retriable` and an optional `cause`; one subclass per condition.
 */
import {
  type ErrorCode,
  FerryError,
  type FerryErrorOptions,
  type MessageRef,
} from '@ferry/protocol';

/** The transport could not connect or the connection closed (`CONNECTION_FAILED`, `CONNECTION_CLOSED`). */
export class ConnectionError extends FerryError {
  constructor(
    code: 'CONNECTION_FAILED' | 'CONNECTION_CLOSED',
    message: string,
    options?: FerryErrorOptions,
  ) {
    super(code, message, options);
    this.name = 'ConnectionError';
  }
}

/** A reply did not arrive in time (`TIMEOUT`). */
export class TimeoutError extends FerryError {
  constructor(message: string, options?: FerryErrorOptions) {
    super('TIMEOUT', message, options);
    this.name = 'TimeoutError';
  }
}

/** The caller's AbortSignal fired (`ABORTED`); `cause` is the signal's reason. */
export class AbortError extends FerryError {
  constructor(message: string, options?: FerryErrorOptions) {
    super('ABORTED', message, options);
    this.name = 'AbortError';
  }
}

/** The bounded buffer kept while disconnected is full (`BUFFER_FULL`); nothing was queued. */
export class BufferFullError extends FerryError {
  constructor(message: string) {
    super('BUFFER_FULL', message);
    this.name = 'BufferFullError';
  }
}

/** The client is closed or draining (`CLIENT_CLOSED`). */
export class ClosedError extends FerryError {
  constructor(message = 'the client is closed') {
    super('CLIENT_CLOSED', message);
    this.name = 'ClosedError';
  }
}

/** The broker answered with an error frame; `code` is the broker's. */
export class ServerError extends FerryError {
  /** With MESSAGE_NOT_PENDING: the refs of a settle frame that were not in flight. */
  readonly refs: readonly MessageRef[] | undefined;

  constructor(code: ErrorCode, message: string, retriable: boolean, refs?: readonly MessageRef[]) {
    super(code, message, { retriable });
    this.name = 'ServerError';
    this.refs = refs;
  }
}

/** The error for a signal that fired, carrying the signal's reason as its cause. */
export function abortError(signal: AbortSignal, what: string): AbortError {
  return new AbortError(`${what} was aborted`, { cause: signal.reason });
}
