/**
 * The produce form's payload and headers as typed, turned into bytes and a headers map, with
 * the reason when they do not parse. Pure, so unit-tested.
 */
import type { Headers } from '@ferry/browser';

export type PayloadFormat = 'text' | 'json' | 'hex';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const encoder = new TextEncoder();

/** The payload's bytes: UTF-8 text, JSON checked (and sent as typed), or hex digits. */
export function payloadBytes(text: string, format: PayloadFormat): Parsed<Uint8Array> {
  switch (format) {
    case 'text':
      return { ok: true, value: encoder.encode(text) };
    case 'json':
      try {
        JSON.parse(text);
      } catch (error) {
        return { ok: false, error: `Not valid JSON: ${(error as Error).message}` };
      }
      return { ok: true, value: encoder.encode(text) };
    case 'hex': {
      // Spaces, newlines, colons and a 0x prefix are how hex is usually pasted.
      const digits = text.replace(/0x/gi, '').replace(/[\s:]/g, '');
      if (!/^[0-9a-f]*$/i.test(digits))
        return { ok: false, error: 'Hex may hold only 0-9, a-f, spaces and colons' };
      if (digits.length % 2 !== 0)
        return { ok: false, error: 'Hex needs two digits a byte (an even number of digits)' };
      const bytes = new Uint8Array(digits.length / 2);
      for (let i = 0; i < bytes.length; i++)
        bytes[i] = Number.parseInt(digits.slice(i * 2, i * 2 + 2), 16);
      return { ok: true, value: bytes };
    }
  }
}

/** Headers typed one a line as `name=value`; blank lines are skipped, the value may hold '='. */
export function parseHeaders(text: string): Parsed<Headers | undefined> {
  const headers: Headers = {};
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const at = line.indexOf('=');
    const name = at < 0 ? '' : line.slice(0, at).trim();
    if (name === '')
      return { ok: false, error: `Header line ${index + 1} is not name=value: "${line}"` };
    headers[name] = line.slice(at + 1);
  }
  return { ok: true, value: Object.keys(headers).length === 0 ? undefined : headers };
}
