/**
 * The MessagePack layer under the generated codec: one reused encoder, and a
 * decoder per set of limits with every length cap set, so a hostile body can
 * never make the decoder allocate past the limits.
 */
import { Decoder, Encoder } from '@msgpack/msgpack';
import { exceedsDepth } from './depth.js';
import { ProtocolError } from './gen/errors.js';
import type { Limits } from './gen/types.js';

const encoder = new Encoder({ initialBufferSize: 64 * 1024 });
const decoders = new WeakMap<Limits, Decoder>();

function decoderFor(limits: Limits): Decoder {
  let decoder = decoders.get(limits);
  if (decoder === undefined) {
    decoder = new Decoder({
      maxStrLength: limits.maxStringBytes,
      maxBinLength: limits.maxMessageBytes,
      maxArrayLength: limits.maxArrayLength,
      maxMapLength: limits.maxMapEntries,
      maxExtLength: 0,
    });
    decoders.set(limits, decoder);
  }
  return decoder;
}

export function encodeBody(wire: unknown[]): Uint8Array {
  return encoder.encode(wire);
}

/** [ENC-1] [ENC-4] [ENC-8]: one MessagePack value within the limits, or a ProtocolError. */
export function decodeBody(body: Uint8Array, limits: Limits): unknown {
  if (body.byteLength === 0) throw new ProtocolError('MALFORMED_FRAME', 'empty frame body');
  if (body.byteLength > limits.maxFrameBytes) {
    throw new ProtocolError(
      'FRAME_TOO_LARGE',
      `${body.byteLength} bytes is over maxFrameBytes ${limits.maxFrameBytes}`,
    );
  }
  if (exceedsDepth(body, limits.maxDepth)) {
    throw new ProtocolError('LIMIT_EXCEEDED', `nesting deeper than maxDepth ${limits.maxDepth}`);
  }
  try {
    return decoderFor(limits).decode(body);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    // Extension types are not part of the protocol, so an ext over its zero cap is malformed, not too long.
    const overLimit = message.startsWith('Max length exceeded') && !message.includes('ext length');
    const code = overLimit ? 'LIMIT_EXCEEDED' : 'MALFORMED_FRAME';
    throw new ProtocolError(code, `invalid MessagePack: ${message}`, { cause });
  }
}
