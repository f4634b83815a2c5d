/** [PROD-1] The key hash: FNV-1a over the key's UTF-8 bytes, as TextEncoder makes them. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fnv1a32, Partitioner } from '../../src/broker/partitioner.js';

function reference(key: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(key)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

describe('fnv1a32', () => {
  it('[PROD-1] is FNV-1a over the UTF-8 bytes, lone surrogates included', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (key) => fnv1a32(key) === reference(key)));
    for (const key of ['\ud800', '\udc00x', 'a\ud83d\ude00b', '\u07ff\u0800\uffff'])
      expect(fnv1a32(key)).toBe(reference(key));
  });

  it('[PROD-1] a key picks the same partition every time; one partition takes every key', () => {
    const p = new Partitioner(8);
    expect(p.choose(undefined, 'customer-7')).toBe(fnv1a32('customer-7') % 8);
    expect(new Partitioner(1).choose(undefined, 'customer-7')).toBe(0);
  });
});
