import { describe, expect, it } from 'vitest';
import type { FileHandle } from '../../src/storage/fs/types.js';
import { RecentWrites } from '../../src/storage/recent-writes.js';
import { Segment } from '../../src/storage/segment.js';

const segment = (base: number) =>
  new Segment(base, `${base}.log`, `${base}.idx`, {} as unknown as FileHandle);

describe('recent writes', () => {
  it('keeps a copy of small flushes only, found from their first offset on', () => {
    const recent = new RecentWrites(1000, 100);
    const s = segment(0);
    const bytes = new Uint8Array(50).fill(1);
    recent.remember(s, 200, 10, bytes);
    bytes.fill(9);
    expect(recent.lookup(s, 9)).toBeUndefined();
    expect(recent.lookup(s, 12)).toMatchObject({ position: 200, baseOffset: 10 });
    expect(recent.lookup(s, 10)?.bytes).toEqual(new Uint8Array(50).fill(1));
    recent.remember(s, 250, 15, new Uint8Array(101));
    expect(recent.lookup(s, 15)).toBeUndefined();
    expect(recent.held).toBe(0);
  });

  it('holds at most maxBytes, dropping what was written longest ago', () => {
    const recent = new RecentWrites(250, 100);
    const segments = [0, 1, 2, 3].map(segment);
    for (const s of segments) recent.remember(s, 0, s.baseOffset, new Uint8Array(100));
    expect(recent.held).toBe(200);
    expect(segments.map((s) => recent.lookup(s, s.baseOffset) !== undefined)).toEqual([
      false,
      false,
      true,
      true,
    ]);
    recent.forget(segments[3] as Segment);
    expect(recent.held).toBe(100);
  });
});
