import { type ErrorCode, FerryError } from '@ferry/protocol';

/** A storage failure, with the spec's code the broker reports to clients. */
export class StorageError extends FerryError {
  constructor(code: ErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'StorageError';
  }
}

/** Maps an I/O error to the code a client sees: a full disk may clear, anything else may not. */
export function ioError(what: string, cause: unknown): StorageError {
  const errno = (cause as { code?: unknown } | null)?.code;
  if (errno === 'ENOSPC' || errno === 'EDQUOT') {
    return new StorageError('STORAGE_FULL', `${what}: no space left on the device`, { cause });
  }
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new StorageError('STORAGE_FAILED', `${what}: ${detail}`, { cause });
}
