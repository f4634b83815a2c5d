import { type ErrorCode, FerryError } from '@ferry/protocol';

/** A request the broker refuses (bad settings, a missing station, a quota), with the spec's code. */
export class BrokerError extends FerryError {
  constructor(code: ErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'BrokerError';
  }
}
