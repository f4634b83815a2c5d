import { FerryError } from '@ferry/protocol';

/** Long enough for a path and a message, short enough for an error frame and a dead-letter reason. */
const MAX_TEXT = 300;

export function schemaInvalid(why: string, cause?: unknown): FerryError {
  return new FerryError('SCHEMA_INVALID', clip(why), cause === undefined ? {} : { cause });
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function clip(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT - 3)}...`;
}

/** Wraps a validator so that whatever it throws (a RangeError from a payload too deep, anything) refuses the message instead (SCHEMA-8). */
export function contained(
  check: (payload: Uint8Array) => string | undefined,
): (payload: Uint8Array) => string | undefined {
  return (payload) => {
    try {
      const violation = check(payload);
      return violation === undefined ? undefined : clip(violation);
    } catch (error) {
      return clip(`validator failed: ${messageOf(error)}`);
    }
  };
}
