/** Length-prefixed framing for byte-stream transports (TCP, TLS) [FRAME-1]. */
import { FRAME_HEADER_BYTES, writeFrameHeader } from '@ferry/protocol';

/** The bytes `body` takes on a byte stream: its length prefix and itself. */
export function framedLength(body: Uint8Array): number {
  return FRAME_HEADER_BYTES + body.length;
}

/**
 * The bodies, each after its 4-byte big-endian length, in one new buffer of `size` bytes (the
 * sum of their framed lengths), ready for a single write. Throws a ProtocolError on an empty
 * body, which has no valid length prefix.
 */
export function encodeFrames(bodies: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const body of bodies) {
    writeFrameHeader(out, offset, body.length);
    out.set(body, offset + FRAME_HEADER_BYTES);
    offset += FRAME_HEADER_BYTES + body.length;
  }
  return out;
}
