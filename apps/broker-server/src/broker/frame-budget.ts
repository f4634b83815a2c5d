/**
 * Sizing what the broker sends so that no frame passes maxFrameBytes [LIMITS-1]: an upper
 * bound of a value's MessagePack size, computed without encoding it, and list pages cut by it.
 */
import { utf8Length } from '@ferry/protocol';

/** Room kept in every frame for its type code, request id, sid, `more` flag and array headers. */
export const FRAME_ENVELOPE_BYTES = 64;

/** MessagePack bytes of a string, bin, array or map header for `length`. */
function headerBytes(length: number, small: number): number {
  return length < small ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
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

/**
 * How many of `items`, from the first, fit in one frame of `maxFrameBytes` (at most `limit`);
 * always at least one when there is one, because the limits guarantee that a single item fits.
 */
export function fitInFrame<T>(
  items: readonly T[],
  limit: number,
  maxFrameBytes: number,
  size: (item: T) => number = msgpackSizeBound,
): number {
  let bytes = FRAME_ENVELOPE_BYTES;
  let count = 0;
  for (const item of items) {
    if (count >= limit) break;
    bytes += size(item);
    if (count > 0 && bytes > maxFrameBytes) break;
    count++;
  }
  return count;
}
