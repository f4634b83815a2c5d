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

/**
 * A produced message does not match the schema attached to its station (`SCHEMA_VIOLATION`,
 * SCHEMA-6); the message says which schema, version and first validation error. It fails
 * that message alone: the others of its batch are stored as usual.
 */
export class SchemaViolationError extends ServerError {
  /**
   * With the station's schema in mode `deadletter`: the id of the dead-letter entry that keeps
   * the message (resend or drop it with `client.deadLetters`). Undefined in mode `reject`, where
   * nothing was stored, or when the station keeps no dead letters.
   */
  readonly deadLetterId: number | undefined;

  constructor(message: string, deadLetterId?: number) {
    super('SCHEMA_VIOLATION', message, false);
    this.name = 'SchemaViolationError';
    this.deadLetterId = deadLetterId;
  }
}

/** The error for a signal that fired, carrying the signal's reason as its cause. */
export function abortError(signal: AbortSignal, what: string): AbortError {
  return new AbortError(`${what} was aborted`, { cause: signal.reason });
}

/**
 * The server broke the protocol (`PROTOCOL_VIOLATION`, retriable): the client drops that
 * connection and reconnects. One subclass per kind of violation.
 */
export class ProtocolViolationError extends FerryError {
  constructor(message: string, options?: FerryErrorOptions) {
    super('PROTOCOL_VIOLATION', message, options);
    this.name = 'ProtocolViolationError';
  }
}

/** The server sent bytes the codec rejects; `cause` is the codec's ProtocolError. */
export class MalformedFrameError extends ProtocolViolationError {
  constructor(cause: unknown) {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    super(`the server sent a frame the codec rejects${detail}`, { cause });
    this.name = 'MalformedFrameError';
  }
}

/** The server answered a request with a frame of another type than the spec's `reply:`. */
export class UnexpectedReplyError extends ProtocolViolationError {
  readonly expected: string;
  readonly received: string;

  constructor(request: string, expected: string, received: string) {
    super(`the server answered ${request} with ${received}; the protocol says ${expected}`);
    this.name = 'UnexpectedReplyError';
    this.expected = expected;
    this.received = received;
  }
}

/** The server sent a frame only a client may send. */
export class ClientFrameError extends ProtocolViolationError {
  readonly frameType: string;

  constructor(frameType: string) {
    super(`the server sent ${frameType}, a frame only a client sends`);
    this.name = 'ClientFrameError';
    this.frameType = frameType;
  }
}
