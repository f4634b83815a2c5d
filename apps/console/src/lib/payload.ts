/**
 * Payload views for the message browser: JSON, text, MessagePack (decoded) or hex. `auto`
 * picks the first that fits, in that order, the way an operator would read the bytes.
 */
import { decode } from '@msgpack/msgpack';

export type PayloadView = 'json' | 'text' | 'msgpack' | 'hex';
export const PAYLOAD_VIEWS: readonly PayloadView[] = ['json', 'text', 'msgpack', 'hex'];

export interface RenderedPayload {
  view: PayloadView;
  text: string;
  /** Why the requested view could not show the bytes (they are then shown as hex). */
  error?: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as UTF-8, or undefined when they are not valid UTF-8. */
export function utf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Text a person can read: no control characters but tab, newline and carriage return. */
function printable(text: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
  return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text);
}

function asJson(bytes: Uint8Array): string | undefined {
  const text = utf8(bytes);
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return undefined;
  }
}

function asText(bytes: Uint8Array): string | undefined {
  const text = utf8(bytes);
  return text !== undefined && printable(text) ? text : undefined;
}

/** MessagePack values shown as JSON: bytes as hex, big integers as strings, maps as objects. */
function asMsgpack(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return undefined;
  let value: unknown;
  try {
    value = decode(bytes, { useBigInt64: true });
  } catch {
    return undefined;
  }
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Uint8Array) return `<bin ${hex(v)}>`;
      if (v instanceof Map) return Object.fromEntries(v);
      return v;
    },
    2,
  );
}

/** Lower-case hex, bytes separated by spaces. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** A hex dump: 16 bytes a line, offset, hex and the printable ASCII beside. */
export function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.subarray(at, at + 16);
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'));
    lines.push(`${at.toString(16).padStart(8, '0')}  ${hex(row).padEnd(47)}  ${ascii.join('')}`);
  }
  return lines.join('\n');
}

const VIEWS: Record<PayloadView, (bytes: Uint8Array) => string | undefined> = {
  json: asJson,
  text: asText,
  msgpack: asMsgpack,
  hex: hexDump,
};

/** The view `auto` picks: JSON, then text, then MessagePack, then hex. */
export function guessView(bytes: Uint8Array): PayloadView {
  for (const view of ['json', 'text', 'msgpack'] as const)
    if (VIEWS[view](bytes) !== undefined) return view;
  return 'hex';
}

/** The payload in `view` (or the guessed one); hex, with the reason, when it does not fit. */
export function renderPayload(bytes: Uint8Array, view: PayloadView | 'auto'): RenderedPayload {
  const chosen = view === 'auto' ? guessView(bytes) : view;
  const text = VIEWS[chosen](bytes);
  if (text !== undefined) return { view: chosen, text };
  return { view: 'hex', text: hexDump(bytes), error: `not ${chosen}` };
}

/** A one-line preview for tables: the text or JSON squeezed, or hex, cut at `max` characters. */
export function previewPayload(bytes: Uint8Array, max = 80): string {
  const text = utf8(bytes);
  const shown =
    text !== undefined && printable(text)
      ? text.replace(/\s+/g, ' ')
      : (asMsgpack(bytes)?.replace(/\s+/g, ' ') ?? hex(bytes.subarray(0, max)));
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}
