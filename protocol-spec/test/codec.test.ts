import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  decodeFrame,
  encodeFrame,
  type Frame,
  frameFromWire,
  type Limits,
  ProtocolError,
} from '../src/index.js';
import { frameArbitrary } from './arbitraries.js';
import { spec } from './spec-loader.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return e.code;
  }
  return undefined;
}

describe('round trip', () => {
  it('decode(encode(frame)) equals the frame, for every frame type', () => {
    fc.assert(
      fc.property(frameArbitrary(spec), (frame) => {
        expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
      }),
      { numRuns: 3000 },
    );
  });

  it('[ENC-7] encoding is deterministic: encode(decode(bytes)) is bytes', () => {
    fc.assert(
      fc.property(frameArbitrary(spec), (frame) => {
        const bytes = encodeFrame(frame);
        expect(encodeFrame(decodeFrame(bytes))).toEqual(bytes);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('decoding rules', () => {
  it('[ENC-1] a body is exactly one MessagePack array starting with a frame type code', () => {
    const ping = encode([3, 1]);
    expect(decodeFrame(ping)).toEqual({ type: 'ping', id: 1 });
    expect(codeOf(() => decodeFrame(new Uint8Array([...ping, 0xc0])))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => decodeFrame(encode({ 0: 3, 1: 1 })))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => decodeFrame(encode(3)))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => decodeFrame(encode([])))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => decodeFrame(encode(['ping', 1])))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => decodeFrame(new Uint8Array(0)))).toBe('MALFORMED_FRAME');
  });

  it('[ENC-5] an optional field written as nil, or omitted, is absent', () => {
    const omitted = frameFromWire([20, 1, 's', [[new Uint8Array([1])]]]);
    const nils = frameFromWire([20, 1, 's', [[new Uint8Array([1]), null, null, null, null]]]);
    const middle = frameFromWire([20, 1, 's', [[new Uint8Array([1]), null, 'k']]]);
    expect(omitted).toEqual({
      type: 'produce',
      id: 1,
      station: 's',
      messages: [{ payload: new Uint8Array([1]) }],
    });
    expect(nils).toStrictEqual(omitted);
    expect(middle).toEqual({
      type: 'produce',
      id: 1,
      station: 's',
      messages: [{ payload: new Uint8Array([1]), key: 'k' }],
    });
    const inMap = frameFromWire([30, 1, 2, 's', 'g', { credit: null, ackTimeoutMs: 5 }]);
    expect(inMap).toStrictEqual({
      type: 'subscribe',
      id: 1,
      sid: 2,
      station: 's',
      group: 'g',
      options: { ackTimeoutMs: 5 },
    });
  });

  it('[ENC-6] extra trailing elements and unknown map keys are ignored', () => {
    expect(frameFromWire([3, 9, 'future', { x: 1 }])).toStrictEqual({ type: 'ping', id: 9 });
    const sub = frameFromWire([30, 1, 2, 's', 'g', { credit: 5, futureOption: [1, 2] }]);
    expect(sub).toStrictEqual({
      type: 'subscribe',
      id: 1,
      sid: 2,
      station: 's',
      group: 'g',
      options: { credit: 5 },
    });
  });

  it('[ENC-5] a missing limit in welcome takes its default', () => {
    const welcome = frameFromWire([2, 1, 1, 'b', '1', 'c', { maxFrameBytes: 1024 }]);
    expect(welcome.type === 'welcome' && welcome.limits).toEqual({
      ...DEFAULT_LIMITS,
      maxFrameBytes: 1024,
    });
  });

  it('[ENC-3] errors name the failing field, with the index of a list item', () => {
    const bad = encode([20, 1, 's', [[new Uint8Array(1)], [new Uint8Array(1), null, 42]]]);
    let error: unknown;
    try {
      decodeFrame(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).field).toBe('produce.messages[1].key');
    expect((error as ProtocolError).message).toMatch(
      /^produce\.messages\[1\]\.key: expected a string/,
    );
  });

  it('[ENC-4] limits are the configured ones, not only the defaults', () => {
    const small: Limits = { ...DEFAULT_LIMITS, maxMessageBytes: 4, maxBatchMessages: 2 };
    const payload = (n: number) => ({ payload: new Uint8Array(n) });
    const frame = (n: number, count: number): Frame => ({
      type: 'produce',
      id: 1,
      station: 's',
      messages: Array.from({ length: count }, () => payload(n)),
    });
    expect(decodeFrame(encodeFrame(frame(4, 2)), small)).toEqual(frame(4, 2));
    expect(codeOf(() => decodeFrame(encodeFrame(frame(5, 1)), small))).toBe('LIMIT_EXCEEDED');
    expect(codeOf(() => decodeFrame(encodeFrame(frame(1, 3)), small))).toBe('LIMIT_EXCEEDED');
    expect(codeOf(() => encodeFrame(frame(5, 1), small))).toBe('LIMIT_EXCEEDED');
  });

  it('[ENC-4] a body over maxFrameBytes is refused before it is parsed', () => {
    const small: Limits = { ...DEFAULT_LIMITS, maxFrameBytes: 16 };
    const body = encodeFrame({ type: 'stationDelete', id: 1, name: 'a-long-station-name' });
    expect(codeOf(() => decodeFrame(body, small))).toBe('FRAME_TOO_LARGE');
  });

  it('[ENC-4] string limits count UTF-8 bytes, not UTF-16 units', () => {
    const limits: Limits = { ...DEFAULT_LIMITS, maxNameBytes: 6 };
    expect(decodeFrame(encode([12, 1, 'ééé']), limits)).toEqual({
      type: 'stationDelete',
      id: 1,
      name: 'ééé',
    });
    expect(codeOf(() => decodeFrame(encode([12, 1, 'éééé']), limits))).toBe('LIMIT_EXCEEDED');
    expect(codeOf(() => decodeFrame(encode([12, 1, '😀😀']), { ...limits, maxNameBytes: 7 }))).toBe(
      'LIMIT_EXCEEDED',
    );
  });
});

describe('encoding checks', () => {
  it('[ENC-3] refuses to encode a frame with a wrong field', () => {
    const bad = { type: 'ping', id: -1 } as Frame;
    expect(codeOf(() => encodeFrame(bad))).toBe('INVALID_FIELD');
    const badEnum = {
      type: 'produceAck',
      id: 1,
      durability: 'sometimes',
      results: [],
    } as unknown as Frame;
    expect(codeOf(() => encodeFrame(badEnum))).toBe('INVALID_FIELD');
  });

  it('[ENC-2] refuses to encode an unknown frame type', () => {
    expect(codeOf(() => encodeFrame({ type: 'nope' } as unknown as Frame))).toBe(
      'UNKNOWN_FRAME_TYPE',
    );
  });

  it('refuses a header named __proto__, which no decoder would accept', () => {
    const headers = JSON.parse('{"__proto__": "x"}') as Record<string, string>;
    const frame: Frame = {
      type: 'produce',
      id: 1,
      station: 's',
      messages: [{ payload: new Uint8Array(), headers }],
    };
    expect(codeOf(() => encodeFrame(frame))).toBe('INVALID_FIELD');
  });
});

describe('[ENC-8] hostile input never throws anything but ProtocolError', () => {
  const onlyProtocolErrors = (bytes: Uint8Array) => {
    try {
      decodeFrame(bytes);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
    }
  };

  it('arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), onlyProtocolErrors), {
      numRuns: 20_000,
    });
  });

  it('arbitrary MessagePack values', () => {
    fc.assert(
      fc.property(fc.anything({ withTypedArray: true, withBigInt: false }), (v) =>
        onlyProtocolErrors(encode(v)),
      ),
      { numRuns: 5000 },
    );
  });

  it('arbitrary arrays that start with a known frame type', () => {
    const codes = spec.frames.map((f) => f.code);
    fc.assert(
      fc.property(
        fc.constantFrom(...codes),
        fc.array(fc.anything({ withTypedArray: true, maxDepth: 3 }), { maxLength: 8 }),
        (code, rest) => onlyProtocolErrors(encode([code, ...rest])),
      ),
      { numRuns: 10_000 },
    );
  });

  it('valid frames with bytes flipped or cut', () => {
    fc.assert(
      fc.property(
        frameArbitrary(spec),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        (frame, at, flip, cut) => {
          const bytes = encodeFrame(frame).slice();
          const i = at % bytes.length;
          if (cut) return onlyProtocolErrors(bytes.subarray(0, i));
          bytes[i] = (bytes[i] ?? 0) ^ flip;
          onlyProtocolErrors(bytes);
        },
      ),
      { numRuns: 10_000 },
    );
  });
});
