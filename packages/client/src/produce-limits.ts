/**
 * The broker's per-message limits, checked before a message joins a batch: a bad message
 * fails alone with a coded error instead of sinking the frame it would have shared.
 */
import {
  FerryError,
  type Limits,
  type ProduceMessage,
  ProtocolError,
  utf8Length,
} from '@ferry/protocol';

/** Payload, key and header bytes, as the broker counts them against maxBatchBytes. */
export function messageBytes(message: ProduceMessage): number {
  let size = message.payload.length + (message.key === undefined ? 0 : utf8Length(message.key));
  for (const name in message.headers)
    size += utf8Length(name) + utf8Length(message.headers[name] ?? '');
  return size;
}

function tooLong(field: string, what: string, value: string, max: number): void {
  if (utf8Length(value) > max) {
    throw new ProtocolError('LIMIT_EXCEEDED', `${what} is longer than ${max} bytes`, { field });
  }
}

export function checkMessage(message: ProduceMessage, limits: Readonly<Limits>): void {
  if (!(message.payload instanceof Uint8Array)) {
    throw new ProtocolError('INVALID_FIELD', 'the payload must be a Uint8Array (or use a codec)', {
      field: 'payload',
    });
  }
  if (message.payload.length > limits.maxMessageBytes) {
    throw new FerryError(
      'MESSAGE_TOO_LARGE',
      `the payload is ${message.payload.length} bytes, over maxMessageBytes ${limits.maxMessageBytes}`,
    );
  }
  if (message.key !== undefined) tooLong('key', 'the key', message.key, limits.maxKeyBytes);
  if (message.msgId !== undefined)
    tooLong('msgId', 'the msgId', message.msgId, limits.maxMsgIdBytes);
  if (
    message.partition !== undefined &&
    (!Number.isInteger(message.partition) || message.partition < 0)
  ) {
    throw new ProtocolError('INVALID_FIELD', 'partition must be a non-negative integer', {
      field: 'partition',
    });
  }
  if (message.headers !== undefined) {
    const names = Object.keys(message.headers);
    if (names.length > limits.maxHeaders) {
      throw new ProtocolError('LIMIT_EXCEEDED', `more than ${limits.maxHeaders} headers`, {
        field: 'headers',
      });
    }
    for (const name of names) {
      const value = message.headers[name];
      if (typeof value !== 'string') {
        throw new ProtocolError('INVALID_FIELD', `header ${name} must be a string`, {
          field: `headers.${name}`,
        });
      }
      tooLong(`headers.${name}`, `header name ${name}`, name, limits.maxHeaderBytes);
      tooLong(`headers.${name}`, `header ${name}`, value, limits.maxHeaderBytes);
    }
  }
}
