/**
 * The CRC framing every storage record shares, partition batches and group
 * journal and checkpoint records alike:
 *
 *   u32 length | u32 crc32c (of the body) | body          (big-endian)
 *
 * The two formats differ only in what the length counts: a batch's counts the
 * CRC field too (the length of all that follows it), a journal record's only
 * the body. Each format is one {@link Framing}, so both stay byte for byte what
 * they were on disk.
 */
import { crc32c } from './crc.js';

export const FRAME_HEADER_BYTES = 8;
const CRC_BYTES = 4;

/** Why a frame is not whole and valid. */
export type FrameProblem =
  /** Fewer bytes than the frame needs: a torn tail, or the read stopped early. */
  { kind: 'short'; need: number } | { kind: 'corrupt'; reason: string };

export interface FramingSpec {
  /** Whether the length field counts the CRC field as well as the body. */
  lengthCountsCrc: boolean;
  /** The smallest frame, header included, a writer of the format makes. */
  minSize: number;
  /** A larger length is a corrupt length field, not a frame. */
  maxSize: number;
}

export class Framing {
  /** Frame size minus the length field's value. */
  private readonly overhead: number;
  private readonly minSize: number;
  private readonly maxSize: number;

  constructor(spec: FramingSpec) {
    this.overhead = spec.lengthCountsCrc ? FRAME_HEADER_BYTES - CRC_BYTES : FRAME_HEADER_BYTES;
    this.minSize = Math.max(spec.minSize, FRAME_HEADER_BYTES);
    this.maxSize = spec.maxSize;
  }

  /**
   * Fills in the header of the frame of `size` bytes at `buf[pos..]` whose body is already
   * in place; `view` is a DataView over all of `buf`. Bodies are encoded in place, never copied.
   */
  seal(buf: Uint8Array, view: DataView, pos: number, size: number): void {
    view.setUint32(pos, size - this.overhead);
    view.setUint32(pos + CRC_BYTES, crc32c(buf.subarray(pos + FRAME_HEADER_BYTES, pos + size)));
  }

  /** A frame holding a copy of `body`. */
  frame(body: Uint8Array): Uint8Array {
    const size = FRAME_HEADER_BYTES + body.length;
    const out = new Uint8Array(size);
    out.set(body, FRAME_HEADER_BYTES);
    this.seal(out, new DataView(out.buffer), 0, size);
    return out;
  }

  /**
   * Checks the frame at `buf[pos..end)`: length in range, all bytes present, CRC matching.
   * Returns its size, header included, or its problem (a number, not an object, when valid:
   * readers check every batch they serve). `view` is a DataView over all of `buf`. `need` of
   * a short frame is its full size once the length field is readable, so a reader can fetch
   * exactly the missing bytes.
   */
  check(buf: Uint8Array, view: DataView, pos: number, end: number): number | FrameProblem {
    if (end - pos < FRAME_HEADER_BYTES) return { kind: 'short', need: FRAME_HEADER_BYTES };
    const length = view.getUint32(pos);
    const size = length + this.overhead;
    // A zero-filled tail must not pass as records, nor a wild length as a huge one.
    if (size < this.minSize || size > this.maxSize) {
      return { kind: 'corrupt', reason: `length ${length} is out of range` };
    }
    if (end - pos < size) return { kind: 'short', need: size };
    const crc = crc32c(buf.subarray(pos + FRAME_HEADER_BYTES, pos + size));
    if (crc !== view.getUint32(pos + CRC_BYTES))
      return { kind: 'corrupt', reason: 'CRC32C mismatch' };
    return size;
  }
}
