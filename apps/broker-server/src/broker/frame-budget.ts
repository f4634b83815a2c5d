/**
 * Sizing what the broker sends so that no frame passes maxFrameBytes [LIMITS-1]: an upper
 * bound of a value's MessagePack size, computed without encoding it, and frames filled by it.
 */
import {
  type DeadLetterEntry,
  type GroupInfo,
  type Limits,
  type PartitionInfo,
  type StationInfo,
  utf8Length,
} from '@ferry/protocol';

/** Room kept in every frame for its type code, request id, sid, `more` flag and array headers. */
export const FRAME_ENVELOPE_BYTES = 64;

/** MessagePack bytes of a string, bin, array or map header for `length`. */
function headerBytes(length: number, small: number): number {
  return length < small ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
}

/** At least the UTF-8 bytes of `s`: a UTF-16 unit takes at most 3, so short strings skip the count. */
function utf8Bound(s: string): number {
  return s.length < 64 ? 3 * s.length : utf8Length(s);
}

function stringBound(s: string): number {
  const n = utf8Bound(s);
  return headerBytes(n, 32) + n;
}

/**
 * At least as many bytes as MessagePack takes for `value`. Objects are counted as maps with
 * their keys, so the bound holds for both of the codec's encodings (a struct encoded as a
 * positional array is smaller than the same struct as a map).
 */
export function msgpackSizeBound(value: unknown): number {
  if (value === undefined || value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'number') return 9;
  if (typeof value === 'string') {
    const n = utf8Length(value);
    return headerBytes(n, 32) + n;
  }
  if (value instanceof Uint8Array) return 5 + value.length;
  if (Array.isArray(value)) {
    let size = headerBytes(value.length, 16);
    for (const item of value) size += msgpackSizeBound(item);
    return size;
  }
  let size = 5;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (item === undefined) continue;
    size += msgpackSizeBound(key) + msgpackSizeBound(item);
  }
  return size;
}

/** What a delivered message carries besides its numbers. */
export interface MessageBody {
  payload: Uint8Array;
  headers?: Record<string, string> | undefined;
  key?: string | undefined;
  msgId?: string | undefined;
}

/**
 * At least the encoded bytes of a DeliveredMessage with this body: the cheap bound of the hot
 * path, no allocation, no walk over object entries. The array header and its four integers
 * (partition, offset, timestamp, deliveryCount) take at most 1 + 5 + 9 + 9 + 5 bytes.
 */
export function deliveredSizeBound(m: MessageBody): number {
  let size = 29 + 5 + m.payload.length;
  if (m.headers === undefined) size += 1;
  else {
    size += 5;
    for (const name in m.headers) size += stringBound(name) + stringBound(m.headers[name] ?? '');
  }
  size += m.key === undefined ? 1 : stringBound(m.key);
  size += m.msgId === undefined ? 1 : stringBound(m.msgId);
  return size;
}

/**
 * The items of one frame, taken while their sizes fit in `maxFrameBytes`. The first item is
 * always taken: the limits guarantee that a single one fits (see largestItemBytes).
 */
export class FrameBudget {
  private bytes = FRAME_ENVELOPE_BYTES;
  /** Items taken so far. */
  count = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Takes an item of `size` bytes if it fits after those taken. */
  take(size: number): boolean {
    if (this.count > 0 && this.bytes + size > this.maxFrameBytes) return false;
    this.bytes += size;
    this.count++;
    return true;
  }
}

/** How many of `items`, from the first, fit in one frame of `maxFrameBytes` (at most `limit`). */
export function fitInFrame<T>(
  items: readonly T[],
  limit: number,
  maxFrameBytes: number,
  size: (item: T) => number = msgpackSizeBound,
): number {
  const budget = new FrameBudget(maxFrameBytes);
  for (const item of items) {
    if (budget.count >= limit || !budget.take(size(item))) break;
  }
  return budget.count;
}

/**
 * An upper bound of the largest single item the broker may have to put in a frame, with its
 * envelope: a dead-letter entry of a message at every limit (the largest carrier of a message,
 * a delivery being the same message with less around it), the info of a station with
 * maxPartitions partitions and maxListItems groups, or of a group with maxPartitions partitions. The limits are valid only if it is at most
 * maxFrameBytes, which is what lets every item be sent. [LIMITS-1]
 */
export function largestItemBytes(limits: Limits): number {
  const text = (bytes: number) => 'x'.repeat(bytes);
  const headers: Record<string, string> = {};
  // Distinct names of maxHeaderBytes each (a number padded to the length; never shorter).
  for (let i = 0; i < limits.maxHeaders; i++)
    headers[String(i).padStart(limits.maxHeaderBytes, 'h')] = text(limits.maxHeaderBytes);
  const deadLetter: DeadLetterEntry = {
    id: 0,
    group: text(limits.maxNameBytes),
    partition: 0,
    offset: 0,
    timestamp: 0,
    deadLetteredAt: 0,
    deliveryCount: 0,
    reason: text(limits.maxReasonBytes),
    payload: new Uint8Array(limits.maxMessageBytes),
    headers,
    key: text(limits.maxKeyBytes),
    msgId: text(limits.maxMsgIdBytes),
  };
  const partition: PartitionInfo = { partition: 0, firstOffset: 0, nextOffset: 0, bytes: 0 };
  const group: GroupInfo = {
    name: text(limits.maxNameBytes),
    members: 0,
    pending: 0,
    lag: 0,
    ackTimeoutMs: 0,
    maxDeliveries: 0,
    ordering: 'partition',
    redeliveries: 0,
    deadLetters: 0,
  };
  const station: StationInfo = {
    name: text(limits.maxNameBytes),
    config: {
      partitions: 0,
      retention: { maxAgeMs: 0, maxMessages: 0, maxBytes: 0, ackBased: false },
      storage: 'memory',
      durability: 'interval',
      flushIntervalMs: 0,
      dedupWindowMs: 0,
      ackTimeoutMs: 0,
      maxDeliveries: 0,
      deadLetter: { enabled: false, maxAgeMs: 0, maxMessages: 0 },
    },
    createdAt: 0,
    partitions: [],
    groups: [],
    deadLetters: 0,
  };
  // The two lists counted without building them: items, and array headers of up to 5 bytes.
  const stationBytes =
    msgpackSizeBound(station) +
    2 * 4 +
    limits.maxPartitions * msgpackSizeBound(partition) +
    limits.maxListItems * msgpackSizeBound(group);
  // A group's own info carries its partitions (a station's lists its groups without them).
  const groupBytes =
    msgpackSizeBound({ ...group, partitions: [] }) +
    4 +
    limits.maxPartitions * msgpackSizeBound([0, 0, 0, 0]);
  return FRAME_ENVELOPE_BYTES + Math.max(msgpackSizeBound(deadLetter), stationBytes, groupBytes);
}
