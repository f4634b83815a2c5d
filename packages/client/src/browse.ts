/** Reading a partition without a consumer group (BROWSE-1): one page, or every page to the end. */
import type { CallOptions } from './admin.js';
import { bytes, type Codec } from './codecs.js';
import { MessageBody } from './stored-message.js';

/**
 * One message read by browse. Unlike a delivered {@link Message} it belongs to no group, so
 * there is nothing to settle; it exposes its payload the same way (`payload`, `data`, `text()`,
 * `json()`).
 */
export class BrowsedMessage<T = Uint8Array> extends MessageBody<T> {}

/** What browse reads besides where it starts. */
export interface BrowseReadOptions<T = Uint8Array> extends CallOptions {
  /**
   * Most messages per page; the broker's default and cap is its `maxBatchMessages` limit
   * (`client.server.limits`).
   */
  maxMessages?: number;
  /** Most payload bytes per page; the first message of a page comes whatever its size. */
  maxBytes?: number;
  /** Decodes `data` of each message (default: the raw bytes). */
  codec?: Codec<T>;
}

/**
 * Where a page starts: at `offset` (clamped by the broker to the partition's first retained and
 * next offsets), at the first message stored at or after `timestamp`, or, with neither, at the
 * first retained message. Giving both is refused with `INVALID_FIELD`.
 */
export type BrowseOptions<T = Uint8Array> = BrowseReadOptions<T> &
  ({ offset?: number; timestamp?: undefined } | { offset?: undefined; timestamp?: number | Date });

/** One page of a partition, as browse returns it. */
export interface BrowsePage<T = Uint8Array> {
  /** The messages, in offset order. */
  messages: BrowsedMessage<T>[];
  /** The offset after the last message returned: pass it as `offset` for the next page. */
  next: number;
  /** The partition's next offset when it was read: everything there was is seen when `next === end`. */
  end: number;
}

/** Where {@link Stations.browseAll} starts. */
export type BrowseFrom =
  | 'earliest'
  | { offset: number }
  | { timestamp: number | Date }
  | number
  | Date;

export interface BrowseAllOptions<T = Uint8Array> extends BrowseReadOptions<T> {
  /**
   * Where to start (default `'earliest'`, the first retained message): an offset (a number or
   * `{ offset }`) or a time (a `Date` or `{ timestamp }`, in ms since the epoch).
   */
  from?: BrowseFrom;
  /**
   * Where to stop. `'end'` (the only one, and the default): at the partition's end as the
   * **first** page reported it, so that the iteration ends even while producers keep appending;
   * messages appended after that first page are not yielded.
   */
  until?: 'end';
}

type BrowseStart =
  | { offset?: number; timestamp?: undefined }
  | { offset?: undefined; timestamp?: number };

/** The frame fields that say where a page starts. */
export function startFields(from: BrowseFrom | undefined): BrowseStart {
  if (from === undefined || from === 'earliest') return {};
  if (typeof from === 'number') return { offset: from };
  if (from instanceof Date) return { timestamp: from.getTime() };
  if ('offset' in from) return { offset: from.offset };
  return { timestamp: millis(from.timestamp) };
}

export function millis(time: number | Date): number {
  return time instanceof Date ? time.getTime() : time;
}

/** The codec of a browse, the raw bytes when none is given. */
export function codecOf<T>(options: { codec?: Codec<T> }): Codec<T> {
  return options.codec ?? (bytes as unknown as Codec<T>);
}
