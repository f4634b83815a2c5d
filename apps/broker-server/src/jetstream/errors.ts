/** JetStream and NATS failures as the spec's error codes. */

import { JetStreamApiError } from '@nats-io/jetstream';
import { errors as natsErrors } from '@nats-io/transport-node';
import { StorageError } from '../storage/errors.js';

/** JetStream API error codes (err_code) Ferry tells apart. */
export const JS_STREAM_NOT_FOUND = 10059;
export const JS_CONSUMER_NOT_FOUND = 10014;
export const JS_NO_MESSAGE_FOUND = 10037;
export const JS_INSUFFICIENT_RESOURCES = 10023;
export const JS_STORAGE_RESOURCES_EXCEEDED = 10047;
export const JS_MAX_PAYLOAD = 10054;
/** "JetStream system temporarily unavailable": the meta or stream group has no leader yet. */
export const JS_TEMPORARILY_UNAVAILABLE = 10008;

export function apiCode(err: unknown): number | undefined {
  return err instanceof JetStreamApiError ? err.code : undefined;
}

export function isNotFound(err: unknown): boolean {
  const code = apiCode(err);
  return (
    code === JS_STREAM_NOT_FOUND || code === JS_CONSUMER_NOT_FOUND || code === JS_NO_MESSAGE_FOUND
  );
}

/**
 * A failure of a call to JetStream, coded: no answer in time (no quorum, an election, the
 * cluster unreachable) is TIMEOUT, which clients retry; a full store is STORAGE_FULL.
 */
export function jsError(what: string, err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  const code = apiCode(err);
  if (code === JS_INSUFFICIENT_RESOURCES || code === JS_STORAGE_RESOURCES_EXCEEDED)
    return new StorageError('STORAGE_FULL', `${what}: JetStream is out of storage (${detail})`, {
      cause: err,
    });
  if (code === JS_MAX_PAYLOAD)
    return new StorageError('MESSAGE_TOO_LARGE', `${what}: ${detail}`, { cause: err });
  if (
    code === JS_TEMPORARILY_UNAVAILABLE ||
    (err instanceof Error && err.name === 'JetStreamNotEnabled')
  )
    return new StorageError(
      'TIMEOUT',
      `${what}: JetStream did not answer (no stream leader: an election, or the cluster lost its quorum)`,
      { cause: err },
    );
  if (
    err instanceof natsErrors.TimeoutError ||
    err instanceof natsErrors.NoRespondersError ||
    err instanceof natsErrors.ClosedConnectionError ||
    err instanceof natsErrors.RequestError
  )
    return new StorageError('TIMEOUT', `${what}: JetStream did not answer (${detail})`, {
      cause: err,
    });
  return new StorageError('INTERNAL', `${what}: ${detail}`, { cause: err });
}
