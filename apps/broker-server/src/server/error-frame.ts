/** Error frames as the server sends them, with messages that always fit the limits. */
import {
  ERROR_CODES,
  type ErrorCode,
  type ErrorFrame,
  type Limits,
  utf8Length,
} from '@ferry/protocol';

/** Cuts `text` to at most `maxBytes` UTF-8 bytes, on a code point boundary. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    bytes += utf8Length(char);
    if (bytes > maxBytes) break;
    end += char.length;
  }
  return text.slice(0, end);
}

/** An error frame for request `id` (0 for the connection), its message cut to maxReasonBytes. */
export function errorFrame(
  limits: Limits,
  id: number,
  code: ErrorCode,
  message: string,
  sid?: number,
  retriable: boolean = ERROR_CODES[code].retriable,
): ErrorFrame {
  const frame: ErrorFrame = {
    type: 'error',
    id,
    code,
    number: ERROR_CODES[code].number,
    retriable,
    message: truncateUtf8(message, limits.maxReasonBytes),
  };
  if (sid !== undefined) frame.sid = sid;
  return frame;
}
