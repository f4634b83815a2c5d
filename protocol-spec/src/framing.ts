/**
 * Stream framing (FRAME-1..4): a 4-byte big-endian body length, then the MessagePack body.
 * Used over byte streams (TCP, TLS); over WebSocket each binary message is already one body.
 */
import { DEFAULT_LIMITS } from './gen/constants.js';
import { ProtocolError } from './gen/errors.js';

export const FRAME_HEADER_BYTES = 4;

const MAX_LENGTH_PREFIX = 0xffff_ffff;

export interface FrameReaderOptions {
  /** Largest body accepted; a longer length prefix is FRAME_TOO_LARGE. */
  maxFrameBytes?: number;
}

function checkBodyLength(bodyLength: number): void {
  // setUint32 would silently wrap an out-of-range length; an empty body is never valid (FRAME-3).
  if (!Number.isInteger(bodyLength) || bodyLength < 1 || bodyLength > MAX_LENGTH_PREFIX) {
    throw new RangeError(`frame body length must be an integer in 1..${MAX_LENGTH_PREFIX}`);
  }
}

/**
 * Writes the length prefix for a body of `bodyLength` bytes at `target[offset]`, for callers
 * that assemble many frames in one buffer. Throws RangeError if the 4 bytes do not fit.
 */
export function writeFrameHeader(target: Uint8Array, offset: number, bodyLength: number): void {
  checkBodyLength(bodyLength);
  new DataView(target.buffer, target.byteOffset, target.byteLength).setUint32(offset, bodyLength);
}

/** The 4-byte length prefix for a body of `bodyLength` bytes. */
export function encodeFrameHeader(bodyLength: number): Uint8Array {
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  writeFrameHeader(header, 0, bodyLength);
  return header;
}

/** Header and body in one new buffer, ready for a single write. */
export function frame(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + body.length);
  writeFrameHeader(out, 0, body.length);
  out.set(body, FRAME_HEADER_BYTES);
  return out;
}

/** The bytes `body` takes on a byte stream: its length prefix and itself. */
export function framedLength(body: Uint8Array): number {
  return FRAME_HEADER_BYTES + body.length;
}

/**
 * The bodies, each after its length prefix, in one new buffer, so that a batch costs one write.
 * `size` is the sum of their framed lengths, for callers that kept count as they queued them.
 * Throws RangeError on an empty body, which has no valid length prefix (FRAME-3).
 */
export function frameAll(
  bodies: readonly Uint8Array[],
  size: number = bodies.reduce((sum, body) => sum + framedLength(body), 0),
): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const body of bodies) {
    writeFrameHeader(out, offset, body.length);
    out.set(body, offset + FRAME_HEADER_BYTES);
    offset += FRAME_HEADER_BYTES + body.length;
  }
  return out;
}

/**
 * Splits a byte stream into frame bodies, whatever the chunk boundaries (FRAME-4).
 *
 * A body that lies inside one chunk is returned as a `subarray` of it (no copy), so callers
 * must not reuse a chunk's memory after pushing it. A body that spans chunks is copied into
 * a buffer of exactly its length. A framing error poisons the reader: the peer has broken
 * the protocol and the connection must close, so every later call throws the same error.
 */
export class FrameReader {
  readonly maxFrameBytes: number;

  private readonly header = new Uint8Array(FRAME_HEADER_BYTES);
  private readonly headerView = new DataView(this.header.buffer);
  private headerFill = 0;
  private body: Uint8Array | null = null;
  private bodyFill = 0;
  private error: ProtocolError | null = null;

  constructor(options: FrameReaderOptions = {}) {
    const max = options.maxFrameBytes ?? DEFAULT_LIMITS.maxFrameBytes;
    if (!Number.isInteger(max) || max < 1 || max > MAX_LENGTH_PREFIX) {
      throw new RangeError(`maxFrameBytes must be an integer in 1..${MAX_LENGTH_PREFIX}`);
    }
    this.maxFrameBytes = max;
  }

  /** Bytes received of the frame in progress (its header included) and not yet returned. */
  get buffered(): number {
    return this.body === null ? this.headerFill : FRAME_HEADER_BYTES + this.bodyFill;
  }

  /**
   * Consumes `chunk` and returns every frame body it completes, in order. Throws a
   * ProtocolError on a bad length prefix; bodies completed earlier in the same chunk are
   * dropped with it, since the connection is closing anyway.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.error !== null) throw this.error;
    const frames: Uint8Array[] = [];
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let pos = 0;

    while (pos < chunk.length) {
      if (this.body !== null) {
        const take = Math.min(this.body.length - this.bodyFill, chunk.length - pos);
        this.body.set(chunk.subarray(pos, pos + take), this.bodyFill);
        this.bodyFill += take;
        pos += take;
        if (this.bodyFill < this.body.length) break;
        frames.push(this.body);
        this.body = null;
        this.bodyFill = 0;
        continue;
      }

      let length: number;
      if (this.headerFill === 0 && chunk.length - pos >= FRAME_HEADER_BYTES) {
        length = view.getUint32(pos);
        pos += FRAME_HEADER_BYTES;
      } else {
        const take = Math.min(FRAME_HEADER_BYTES - this.headerFill, chunk.length - pos);
        this.header.set(chunk.subarray(pos, pos + take), this.headerFill);
        this.headerFill += take;
        pos += take;
        if (this.headerFill < FRAME_HEADER_BYTES) break;
        this.headerFill = 0;
        length = this.headerView.getUint32(0);
      }

      // Checked before any body byte is looked at or any buffer is allocated (FRAME-2).
      if (length === 0) this.fail('MALFORMED_FRAME', 'frame length prefix is zero');
      if (length > this.maxFrameBytes) {
        this.fail(
          'FRAME_TOO_LARGE',
          `frame length ${length} exceeds maxFrameBytes ${this.maxFrameBytes}`,
        );
      }

      if (chunk.length - pos >= length) {
        frames.push(chunk.subarray(pos, pos + length));
        pos += length;
      } else {
        this.body = new Uint8Array(length);
        this.body.set(chunk.subarray(pos), 0);
        this.bodyFill = chunk.length - pos;
        pos = chunk.length;
      }
    }
    return frames;
  }

  /** Declares the end of the stream; throws MALFORMED_FRAME if it stopped mid-frame. */
  end(): void {
    if (this.error !== null) throw this.error;
    if (this.buffered > 0) {
      this.fail(
        'MALFORMED_FRAME',
        `stream ended inside a frame with ${this.buffered} bytes pending`,
      );
    }
  }

  private fail(code: 'FRAME_TOO_LARGE' | 'MALFORMED_FRAME', message: string): never {
    this.error = new ProtocolError(code, message);
    this.headerFill = 0;
    this.body = null;
    this.bodyFill = 0;
    throw this.error;
  }
}
