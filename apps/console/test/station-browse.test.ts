import { describe, expect, it } from 'vitest';
import { lastNStart, olderStart, positionOf, queryOf } from '../src/lib/station-browse.js';

describe('positionOf', () => {
  it('defaults to the first retained message of partition 0', () => {
    expect(positionOf(new URLSearchParams(''), 1000)).toEqual({
      partition: 0,
      from: { kind: 'first' },
      size: 50,
    });
  });
  it('reads offset before time before last, and caps the size', () => {
    const q = new URLSearchParams('partition=2&offset=40&time=2026-01-01T00:00&size=5000');
    expect(positionOf(q, 1000)).toEqual({
      partition: 2,
      from: { kind: 'offset', offset: 40 },
      size: 1000,
    });
    expect(positionOf(new URLSearchParams('time=2026-01-01T00:00'), 10).from).toEqual({
      kind: 'time',
      time: '2026-01-01T00:00',
    });
    expect(positionOf(new URLSearchParams('last=20&offset=x'), 10).from).toEqual({
      kind: 'last',
      n: 20,
    });
  });
  it('round-trips through queryOf', () => {
    const position = { partition: 1, from: { kind: 'offset' as const, offset: 7 }, size: 20 };
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(queryOf(position)))
      if (v !== undefined) query.set(k, String(v));
    expect(positionOf(query, 100)).toEqual(position);
  });
});

describe('paging', () => {
  it('starts the last N within what is retained', () => {
    expect(lastNStart(10, { firstOffset: 0, nextOffset: 100 })).toBe(90);
    expect(lastNStart(10, { firstOffset: 95, nextOffset: 100 })).toBe(95);
  });
  it('goes back a page, not before the first retained', () => {
    expect(olderStart(100, 50, 0)).toBe(50);
    expect(olderStart(30, 50, 10)).toBe(10);
    expect(olderStart(10, 50, 10)).toBeUndefined();
  });
});
