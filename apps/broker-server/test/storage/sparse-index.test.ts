import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SparseIndex } from '../../src/storage/sparse-index.js';

describe('SparseIndex', () => {
  it('keeps every entry exactly, through growth and trimming', () => {
    const entry = fc.record({
      offset: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      position: fc.integer({ min: 0, max: 0xffff_ffff }),
      timestamp: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 300 }), fc.boolean(), (entries, trim) => {
        const index = new SparseIndex();
        for (const e of entries) index.push(e.offset, e.position, e.timestamp);
        if (trim) index.trim();
        index.push(1, 2, 3);
        const read = Array.from({ length: index.length }, (_, i) => ({
          offset: index.offset(i),
          position: index.position(i),
          timestamp: index.timestamp(i),
        }));
        expect(read).toEqual([...entries, { offset: 1, position: 2, timestamp: 3 }]);
      }),
    );
  });
});
