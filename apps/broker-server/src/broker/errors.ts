import { type ErrorCode, FerryError, type ProduceResult } from '@ferry/protocol';

/** A request the broker refuses (bad settings, a missing station, a quota), with the spec's code. */
export class BrokerError extends FerryError {
  constructor(code: ErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'BrokerError';
  }
}

/** A message of a produce batch that was not stored, as its result says: the code, or INTERNAL. */
export function errorResult(e: unknown): ProduceResult {
  if (e instanceof FerryError) return { kind: 'error', code: e.code, message: e.message };
  return { kind: 'error', code: 'INTERNAL', message: 'the message could not be stored' };
}
