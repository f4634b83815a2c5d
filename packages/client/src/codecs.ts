/** Payload codecs: how a producer turns values into bytes and a consumer turns them back. */
import { decode, encode } from '@msgpack/msgpack';

/** Encodes values of type `T` into message payloads and back. */
export interface Codec<T> {
  encode(value: T): Uint8Array;
  decode(payload: Uint8Array): T;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Payloads as they are (the default). */
export const bytes: Codec<Uint8Array> = {
  encode: (value) => value,
  decode: (payload) => payload,
};

/** UTF-8 text; decoding invalid UTF-8 throws. */
export const text: Codec<string> = {
  encode: (value) => textEncoder.encode(value),
  decode: (payload) => textDecoder.decode(payload),
};

/** JSON as UTF-8 text. */
export function json<T = unknown>(): Codec<T> {
  return {
    encode: (value) => textEncoder.encode(JSON.stringify(value)),
    decode: (payload) => JSON.parse(textDecoder.decode(payload)) as T,
  };
}

/** MessagePack, the protocol's own encoding: compact, and keeps binary fields binary. */
export function msgpack<T = unknown>(): Codec<T> {
  return {
    encode: (value) => encode(value),
    decode: (payload) => decode(payload) as T,
  };
}

/** The built-in codecs: `codecs.text`, `codecs.json<T>()` and so on. */
export const codecs = { bytes, text, json, msgpack } as const;
