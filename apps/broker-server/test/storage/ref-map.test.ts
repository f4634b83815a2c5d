import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RefMap } from '../../src/storage/ref-map.js';

describe('RefMap', () => {
  it('behaves as a Map keyed by partition and offset', () => {
    const ref = fc.record({ partition: fc.nat(5), offset: fc.nat(2 ** 40) });
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), ref, value: fc.nat() }),
      fc.record({ kind: fc.constant('delete' as const), ref }),
      fc.record({ kind: fc.constant('clear' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const map = new RefMap<number>();
        const model = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === 'clear') {
            map.clear();
            model.clear();
            continue;
          }
          const key = `${o.ref.partition}:${o.ref.offset}`;
          if (o.kind === 'set') {
            map.set(o.ref.partition, o.ref.offset, o.value);
            model.set(key, o.value);
          } else {
            expect(map.delete(o.ref.partition, o.ref.offset)).toBe(model.delete(key));
          }
          expect(map.size).toBe(model.size);
          expect(map.get(o.ref.partition, o.ref.offset)).toBe(model.get(key));
          expect(map.has(o.ref.partition, o.ref.offset)).toBe(model.has(key));
        }
        expect([...map.values()].sort()).toEqual([...model.values()].sort());
      }),
    );
  });

  it('lets the value being visited be deleted', () => {
    const map = new RefMap<{ partition: number; offset: number }>();
    for (const partition of [0, 3])
      for (let offset = 0; offset < 5; offset++) map.set(partition, offset, { partition, offset });
    for (const v of map.values()) if (v.offset % 2 === 0) map.delete(v.partition, v.offset);
    expect([...map.values()].map((v) => `${v.partition}:${v.offset}`)).toEqual([
      '0:1',
      '0:3',
      '3:1',
      '3:3',
    ]);
    expect(map.size).toBe(4);
  });
});
