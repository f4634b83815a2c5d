import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_FRAME_TYPES,
  type ClientFrame,
  DEFAULT_LIMITS,
  decodeClientFrame,
  decodeFrame,
  decodeServerFrame,
  encodeClientFrame,
  encodeFrame,
  encodeServerFrame,
  FRAME_NAMES,
  type Frame,
  FrameDirectionError,
  type FrameType,
  ProtocolError,
  SERVER_FRAME_TYPES,
  type ServerFrame,
} from '../src/index.js';
import { decodeBody } from '../src/msgpack.js';
import type { Vectors } from '../tools/vectors.js';
import { fromJson, hex, unhex } from '../tools/wire.js';
import { PACKAGE_ROOT, spec } from './spec-loader.js';

const vectors = JSON.parse(
  readFileSync(join(PACKAGE_ROOT, 'spec/vectors.json'), 'utf8'),
) as Vectors;

function rejectionBy(decode: (bytes: Uint8Array) => unknown, bytes: Uint8Array): unknown {
  try {
    decode(bytes);
  } catch (e) {
    return e;
  }
  return undefined;
}

const rejection = (bytes: Uint8Array) => rejectionBy(decodeFrame, bytes);

/** The type of a body that is valid MessagePack and starts with the code of a frame `sends` lacks. */
function otherSidesFrame(bytes: Uint8Array, sends: ReadonlySet<FrameType>): FrameType | undefined {
  let wire: unknown;
  try {
    wire = decodeBody(bytes, DEFAULT_LIMITS);
  } catch {
    return undefined;
  }
  const type = Array.isArray(wire) ? FRAME_NAMES.get(wire[0]) : undefined;
  return type !== undefined && !sends.has(type) ? type : undefined;
}

describe('golden vectors', () => {
  it('cover every frame of the spec', () => {
    const framesWithVectors = new Set(vectors.valid.map((v) => v.frame));
    expect([...framesWithVectors].sort()).toEqual(spec.frames.map((f) => f.name).sort());
  });

  describe.each(vectors.valid)('valid: $name', (v) => {
    it('decodes to its value', () => {
      expect(decodeFrame(unhex(v.hex))).toEqual(fromJson(v.value, spec));
    });
    it('[ENC-7] encodes to exactly its bytes', () => {
      const frame = decodeFrame(unhex(v.hex));
      expect(hex(encodeFrame(frame))).toBe(v.hex);
    });
  });

  describe.each(vectors.invalid)('invalid: $name', (v) => {
    it(`[ENC-8] is rejected with ${v.expect}`, () => {
      const error = rejection(unhex(v.hex));
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code).toBe(v.expect);
    });
  });
});

describe('golden vectors through the directional codecs', () => {
  const directions = [
    {
      sender: 'client',
      sends: CLIENT_FRAME_TYPES,
      encode: (frame: Frame) => encodeClientFrame(frame as ClientFrame),
      decode: decodeClientFrame,
    },
    {
      sender: 'server',
      sends: SERVER_FRAME_TYPES,
      encode: (frame: Frame) => encodeServerFrame(frame as ServerFrame),
      decode: decodeServerFrame,
    },
  ] as const;

  describe.each(directions)('frames a $sender sends', ({ sender, sends, encode, decode }) => {
    const own = vectors.valid.filter((v) => sends.has(v.frame as FrameType));
    const others = vectors.valid.filter((v) => !sends.has(v.frame as FrameType));

    it('decode and [ENC-7] encode every vector of the direction as the full codec does', () => {
      expect(own.length).toBeGreaterThan(0);
      for (const v of own) {
        const bytes = unhex(v.hex);
        expect(decode(bytes), v.name).toEqual(decodeFrame(bytes));
        expect(hex(encode(decodeFrame(bytes))), v.name).toBe(v.hex);
      }
    });

    it('[ENC-2] reject a frame only the other side sends with UNKNOWN_FRAME_TYPE, naming its type', () => {
      expect(others.length).toBeGreaterThan(0);
      for (const v of others) {
        const error = rejectionBy(decode, unhex(v.hex));
        expect(error, v.name).toBeInstanceOf(FrameDirectionError);
        expect(error).toMatchObject({ code: 'UNKNOWN_FRAME_TYPE', frameType: v.frame });
        expect(() => encode(decodeFrame(unhex(v.hex))), v.name).toThrow(
          expect.objectContaining({
            code: 'UNKNOWN_FRAME_TYPE',
            message: `${v.frame} is not a frame a ${sender} sends`,
          }),
        );
      }
    });

    it.each(vectors.invalid)(
      "[ENC-8] reject $name as the full codec does, or as the other side's",
      (v) => {
        const error = rejectionBy(decode, unhex(v.hex));
        expect(error).toBeInstanceOf(ProtocolError);
        const other = otherSidesFrame(unhex(v.hex), sends);
        if (other === undefined) expect((error as ProtocolError).code).toBe(v.expect);
        else expect(error).toMatchObject({ code: 'UNKNOWN_FRAME_TYPE', frameType: other });
      },
    );
  });
});
