import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exceedsDepth } from '../src/depth.js';

function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array)) {
    return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  }
  return 0;
}

describe('[ENC-4] nesting depth pre-check', () => {
  it('agrees with the depth of the decoded value, for any value', () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.integer(),
        fc.string({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.double(),
        fc.constant(null),
        fc.boolean(),
        fc.array(tie('node'), { maxLength: 20 }),
        fc.dictionary(fc.string({ maxLength: 5 }), tie('node'), {
          maxKeys: 18,
          noNullPrototype: true,
        }),
      ),
    })).node;
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 10 }), (v, max) => {
        expect(exceedsDepth(encode(v), max)).toBe(depthOf(v) > max);
      }),
      { numRuns: 5000 },
    );
  });

  it('counts wide 16- and 32-bit containers and large strings correctly', () => {
    const wide = Array.from({ length: 70_000 }, (_, i) => (i === 69_999 ? [[1]] : i));
    expect(exceedsDepth(encode(wide), 3)).toBe(false);
    expect(exceedsDepth(encode(wide), 2)).toBe(true);
    const big = [new Uint8Array(70_000), 'x'.repeat(70_000), [[]]];
    expect(exceedsDepth(encode(big), 3)).toBe(false);
    expect(exceedsDepth(encode(big), 2)).toBe(true);
  });

  it('stops at truncated input and leaves it to the decoder', () => {
    expect(exceedsDepth(new Uint8Array([0x91, 0x91]), 8)).toBe(false);
    expect(exceedsDepth(new Uint8Array([0xdd, 0xff]), 8)).toBe(false);
  });
});
