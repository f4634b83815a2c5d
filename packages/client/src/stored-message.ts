/** What every message read from a station carries: where it is, its fields, and its payload. */
import type { StoredMessage } from '@ferry/protocol';
import type { Codec } from './codecs.js';

const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** The fields and payload of a stored message, shared by delivered and browsed messages. */
export abstract class MessageBody<T = Uint8Array> {
  readonly station: string;
  readonly partition: number;
  readonly offset: number;
  /** When the broker stored the message, in ms since the epoch. */
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly key: string | undefined;
  readonly msgId: string | undefined;
  /** The raw payload bytes. */
  readonly payload: Uint8Array;

  private readonly codec: Codec<T>;
  private decoded: { value: T } | undefined;

  constructor(station: string, partition: number, stored: StoredMessage, codec: Codec<T>) {
    this.station = station;
    this.partition = partition;
    this.offset = stored.offset;
    this.timestamp = stored.timestamp;
    this.headers = stored.headers ?? {};
    this.key = stored.key;
    this.msgId = stored.msgId;
    this.payload = stored.payload;
    this.codec = codec;
  }

  /** The payload decoded by the codec it was read with (decoded once, on first access). */
  get data(): T {
    if (this.decoded === undefined) this.decoded = { value: this.codec.decode(this.payload) };
    return this.decoded.value;
  }

  /** The payload as UTF-8 text. */
  text(): string {
    return textDecoder.decode(this.payload);
  }

  /** The payload parsed as JSON. */
  json<U = unknown>(): U {
    return JSON.parse(this.text()) as U;
  }
}
