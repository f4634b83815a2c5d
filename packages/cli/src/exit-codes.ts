/**
 * Stable exit codes, one per class of failure, so that scripts can branch on them without
 * parsing messages. Derived from the SDK's error codes (the spec's table).
 */
import { FerryError, SchemaViolationError } from '@ferry/node';

export const EXIT = {
  ok: 0,
  /** Bad arguments or options. */
  usage: 1,
  /** The broker could not be reached, or the connection was lost or timed out. */
  connection: 2,
  /** The station, group, dead letter, subscription or schema does not exist. */
  notFound: 3,
  /** The broker refused the credentials or the operation. */
  auth: 4,
  /** The broker refused the request itself: exists, in use, invalid, over a limit. */
  refused: 5,
  /** Any other server failure (storage, overload, internal), or a broker that is not ready. */
  server: 6,
  /** Stopped by Ctrl-C (128 + SIGINT), as shells expect. */
  interrupted: 130,
  /** Stopped by SIGTERM (128 + 15). */
  terminated: 143,
} as const;

const BY_CODE: Record<string, number> = {
  CONNECTION_FAILED: EXIT.connection,
  CONNECTION_CLOSED: EXIT.connection,
  TIMEOUT: EXIT.connection,
  HANDSHAKE_TIMEOUT: EXIT.connection,
  IDLE_TIMEOUT: EXIT.connection,
  TOO_MANY_CONNECTIONS: EXIT.connection,
  SHUTTING_DOWN: EXIT.connection,
  BUFFER_FULL: EXIT.connection,
  PROTOCOL_VIOLATION: EXIT.connection,
  UNSUPPORTED_VERSION: EXIT.connection,
  STATION_NOT_FOUND: EXIT.notFound,
  GROUP_NOT_FOUND: EXIT.notFound,
  DEAD_LETTER_NOT_FOUND: EXIT.notFound,
  SUBSCRIPTION_NOT_FOUND: EXIT.notFound,
  SCHEMA_NOT_FOUND: EXIT.notFound,
  AUTH_FAILED: EXIT.auth,
  NOT_AUTHORIZED: EXIT.auth,
  ORIGIN_NOT_ALLOWED: EXIT.auth,
  STATION_EXISTS: EXIT.refused,
  GROUP_EXISTS: EXIT.refused,
  GROUP_IN_USE: EXIT.refused,
  INVALID_NAME: EXIT.refused,
  INVALID_CONFIG: EXIT.refused,
  INVALID_FIELD: EXIT.refused,
  PARTITION_OUT_OF_RANGE: EXIT.refused,
  MESSAGE_TOO_LARGE: EXIT.refused,
  BATCH_TOO_LARGE: EXIT.refused,
  LIMIT_EXCEEDED: EXIT.refused,
  QUOTA_EXCEEDED: EXIT.refused,
  TOO_MANY_SUBSCRIPTIONS: EXIT.refused,
  SCHEMA_EXISTS: EXIT.refused,
  SCHEMA_INVALID: EXIT.refused,
  SCHEMA_INCOMPATIBLE: EXIT.refused,
  SCHEMA_IN_USE: EXIT.refused,
  SCHEMA_VIOLATION: EXIT.refused,
};

/** A failure of the CLI itself (a bad argument, an unknown context) with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof FerryError) return BY_CODE[error.code] ?? EXIT.server;
  return EXIT.server;
}

/** One line for stderr: the SDK's code first, as users will search for it. */
export function describe(error: unknown): string {
  // A message the schema refused in mode deadletter is kept: say where, to resend or drop it.
  if (error instanceof SchemaViolationError && error.deadLetterId !== undefined)
    return `${error.code}: ${error.message} (kept as dead letter ${error.deadLetterId})`;
  if (error instanceof FerryError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
