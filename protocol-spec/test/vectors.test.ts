import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, ProtocolError } from '../src/index.js';
import type { Vectors } from '../tools/vectors.js';
import { fromJson, hex, unhex } from '../tools/wire.js';
import { PACKAGE_ROOT, spec } from './spec-loader.js';

const vectors = JSON.parse(
  readFileSync(join(PACKAGE_ROOT, 'spec/vectors.json'), 'utf8'),
) as Vectors;

function rejection(bytes: Uint8Array): unknown {
  try {
    decodeFrame(bytes);
  } catch (e) {
    return e;
  }
  return undefined;
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
