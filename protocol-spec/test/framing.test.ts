import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeFrameHeader,
  FRAME_HEADER_BYTES,
  FrameReader,
  frame,
  frameAll,
  framedLength,
  writeFrameHeader,
} from '../src/framing.js';
import { DEFAULT_LIMITS } from '../src/gen/constants.js';
import { ProtocolError } from '../src/gen/errors.js';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function expectProtocolError(fn: () => unknown, code: string): ProtocolError {
  const error = thrownBy(fn);
  expect(error).toBeInstanceOf(ProtocolError);
  expect((error as ProtocolError).code).toBe(code);
  return error as ProtocolError;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function readAll(chunks: Uint8Array[], reader = new FrameReader()): Uint8Array[] {
  const bodies = chunks.flatMap((chunk) => reader.push(chunk));
  reader.end();
  return bodies;
}

/** Splits `bytes` at the given offsets (any order, duplicates allowed, empty chunks kept). */
function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [0, ...cuts.map((cut) => cut % (bytes.length + 1)).sort((a, b) => a - b)];
  points.push(bytes.length);
  return points.slice(1).map((end, i) => bytes.subarray(points[i], end));
}

const header = (length: number) => encodeFrameHeader(length);
const bodyArb = fc.uint8Array({ minLength: 1, maxLength: 300 });

describe('frame encoding', () => {
  it('[FRAME-1] writes a 4-byte big-endian length before the body', () => {
    expect(FRAME_HEADER_BYTES).toBe(4);
    expect(encodeFrameHeader(0x01020304)).toEqual(Uint8Array.of(1, 2, 3, 4));
    expect(encodeFrameHeader(0xffffffff)).toEqual(Uint8Array.of(0xff, 0xff, 0xff, 0xff));
    const body = new Uint8Array(258).fill(7);
    const framed = frame(body);
    expect(framed.subarray(0, 4)).toEqual(Uint8Array.of(0, 0, 1, 2));
    expect(framed.subarray(4)).toEqual(body);
  });

  it('[FRAME-1] writeFrameHeader assembles several frames in one buffer', () => {
    const bodies = [Uint8Array.of(1), Uint8Array.of(2, 3, 4)];
    const out = new Uint8Array(2 * FRAME_HEADER_BYTES + 4);
    let offset = 0;
    for (const body of bodies) {
      writeFrameHeader(out, offset, body.length);
      out.set(body, offset + FRAME_HEADER_BYTES);
      offset += FRAME_HEADER_BYTES + body.length;
    }
    expect(readAll([out])).toEqual(bodies);
    // An offset inside a subarray is relative to that subarray, not its backing buffer.
    const window = new Uint8Array(16).subarray(8);
    writeFrameHeader(window, 2, 0x0a0b);
    expect(window).toEqual(Uint8Array.of(0, 0, 0, 0, 0x0a, 0x0b, 0, 0));
  });

  it('[FRAME-1] frameAll prefixes every body in one buffer, the same bytes as frame on each', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { maxLength: 8 }),
        (bodies) => {
          const out = frameAll(bodies);
          const size = bodies.reduce((sum, body) => sum + framedLength(body), 0);
          expect(out.length).toBe(size);
          expect(frameAll(bodies, size)).toEqual(out);
          const oneByOne = bodies.map((body) => frame(body));
          expect(out).toEqual(Uint8Array.from(oneByOne.flatMap((framed) => [...framed])));
          expect(readAll([out])).toEqual(bodies);
        },
      ),
    );
    expect(() => frameAll([Uint8Array.of(1), new Uint8Array(0)])).toThrow(RangeError);
  });

  it('[FRAME-1] refuses lengths a 32-bit prefix cannot carry and headers that do not fit', () => {
    for (const bad of [-1, 1.5, 2 ** 32, Number.NaN]) {
      expect(() => encodeFrameHeader(bad)).toThrow(RangeError);
    }
    expect(() => writeFrameHeader(new Uint8Array(5), 2, 1)).toThrow(RangeError);
  });

  it('[FRAME-3] refuses to encode an empty body', () => {
    expect(() => frame(new Uint8Array(0))).toThrow(RangeError);
  });
});

describe('FrameReader', () => {
  it('[FRAME-1] round-trips frames, returning bodies inside one chunk without copying', () => {
    const bodies = [Uint8Array.of(0x90), new Uint8Array(1000).fill(0xab), Uint8Array.of(1, 2)];
    const stream = concat(bodies.map(frame));
    const reader = new FrameReader();
    const out = reader.push(stream);
    expect(out).toEqual(bodies);
    for (const body of out) expect(body.buffer).toBe(stream.buffer);
    expect(reader.buffered).toBe(0);
    expect(() => reader.end()).not.toThrow();
  });

  it('[FRAME-1] copies a body that spans chunks into a buffer of exactly its length', () => {
    const body = Uint8Array.from({ length: 100 }, (_, i) => i);
    const framed = frame(body);
    const reader = new FrameReader();
    expect(reader.push(framed.subarray(0, 2))).toEqual([]);
    expect(reader.buffered).toBe(2);
    expect(reader.push(framed.subarray(2, 50))).toEqual([]);
    expect(reader.buffered).toBe(50);
    const [out] = reader.push(framed.subarray(50));
    expect(out).toEqual(body);
    expect(out?.buffer.byteLength).toBe(body.length);
    expect(reader.buffered).toBe(0);
  });

  it('[FRAME-2] rejects a 2 GiB length from the 4 header bytes alone, before allocating', () => {
    // Accepting would need a 2 GiB buffer; rejecting from the header alone proves none is made.
    const reader = new FrameReader();
    expectProtocolError(() => reader.push(Uint8Array.of(0x80, 0, 0, 0)), 'FRAME_TOO_LARGE');
    expect(reader.buffered).toBe(0);
  });

  it('[FRAME-2] rejects an oversized length whose header arrives split across chunks', () => {
    const reader = new FrameReader();
    expect(reader.push(Uint8Array.of(0xff))).toEqual([]);
    expectProtocolError(() => reader.push(Uint8Array.of(0xff, 0xff, 0xff)), 'FRAME_TOO_LARGE');
  });

  it('[FRAME-2] accepts exactly maxFrameBytes and rejects maxFrameBytes + 1', () => {
    const maxFrameBytes = 16;
    const atLimit = new Uint8Array(maxFrameBytes).fill(1);
    expect(readAll([frame(atLimit)], new FrameReader({ maxFrameBytes }))).toEqual([atLimit]);
    const error = expectProtocolError(
      () => new FrameReader({ maxFrameBytes }).push(header(maxFrameBytes + 1)),
      'FRAME_TOO_LARGE',
    );
    expect(error.retriable).toBe(false);
  });

  it('[FRAME-2] defaults maxFrameBytes to the spec limit', () => {
    const max = DEFAULT_LIMITS.maxFrameBytes;
    expect(new FrameReader().maxFrameBytes).toBe(max);
    expect(new FrameReader().push(header(max))).toEqual([]);
    expectProtocolError(() => new FrameReader().push(header(max + 1)), 'FRAME_TOO_LARGE');
  });

  it('[FRAME-2] refuses a maxFrameBytes the length prefix cannot express', () => {
    for (const maxFrameBytes of [0, -1, 1.5, 2 ** 32]) {
      expect(() => new FrameReader({ maxFrameBytes })).toThrow(RangeError);
    }
  });

  it('[FRAME-3] rejects a zero length prefix with MALFORMED_FRAME', () => {
    expectProtocolError(() => new FrameReader().push(new Uint8Array(4)), 'MALFORMED_FRAME');
    const afterValidFrame = concat([frame(Uint8Array.of(1)), new Uint8Array(4)]);
    expectProtocolError(() => new FrameReader().push(afterValidFrame), 'MALFORMED_FRAME');
  });

  it('[FRAME-4] yields the same frames for every two-way split and byte-by-byte', () => {
    const bodies = [Uint8Array.of(9), Uint8Array.of(1, 2, 3, 4, 5), new Uint8Array(300).fill(3)];
    const stream = concat(bodies.map(frame));
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(readAll([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(bodies);
    }
    const bytes = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    expect(readAll(bytes)).toEqual(bodies);
  });

  it('[FRAME-4] yields the same frames whatever the chunk boundaries (property)', () => {
    fc.assert(
      fc.property(
        fc.array(bodyArb, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (bodies, cuts) => {
          const stream = concat(bodies.map(frame));
          expect(readAll(splitAt(stream, cuts))).toEqual(bodies);
        },
      ),
    );
  });

  it('[FRAME-2][FRAME-3] throws only ProtocolError on arbitrary bytes, then stays poisoned', () => {
    // Mixing valid frames into the noise reaches partial bodies, not just huge length prefixes.
    const chunkArb = fc.oneof(fc.uint8Array({ maxLength: 40 }), bodyArb.map(frame));
    fc.assert(
      fc.property(
        fc.array(chunkArb, { maxLength: 20 }),
        fc.integer({ min: 1, max: 512 }),
        (chunks, maxFrameBytes) => {
          const reader = new FrameReader({ maxFrameBytes });
          try {
            for (const chunk of chunks) reader.push(chunk);
            reader.end();
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError);
            expect(thrownBy(() => reader.push(Uint8Array.of(1)))).toBe(error);
          }
        },
      ),
    );
  });

  it('[FRAME-1] end() mid-frame throws MALFORMED_FRAME', () => {
    const framed = frame(Uint8Array.of(1, 2, 3));
    for (const cut of [1, 3, 4, 6]) {
      const reader = new FrameReader();
      reader.push(framed.subarray(0, cut));
      expectProtocolError(() => reader.end(), 'MALFORMED_FRAME');
    }
  });

  it('[FRAME-2] is poisoned after a framing error: later calls throw the same error', () => {
    const reader = new FrameReader({ maxFrameBytes: 8 });
    const error = expectProtocolError(() => reader.push(header(9)), 'FRAME_TOO_LARGE');
    expect(thrownBy(() => reader.push(frame(Uint8Array.of(1))))).toBe(error);
    expect(thrownBy(() => reader.end())).toBe(error);

    const ended = new FrameReader();
    ended.push(Uint8Array.of(0));
    const endError = expectProtocolError(() => ended.end(), 'MALFORMED_FRAME');
    expect(thrownBy(() => ended.push(frame(Uint8Array.of(1))))).toBe(endError);
  });
});
