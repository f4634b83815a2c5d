/** The bounded queue between a socket and a transport's iterator. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_INBOUND_LIMITS, FrameQueue } from '../../src/internal/index.js';

const LIMITS = { maxBytes: 1000, maxFrames: 8 };

function pausable(limits: Partial<typeof LIMITS> = LIMITS) {
  const calls: string[] = [];
  const frames = new FrameQueue(limits, {
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
  });
  return { frames, calls };
}

describe('FrameQueue with a source that can pause', () => {
  it('pauses its source at the frame limit and resumes it at half', async () => {
    const { frames, calls } = pausable();
    for (let i = 0; i < 16; i++) expect(frames.push(new Uint8Array([i]))).toBe(true);
    expect(calls).toEqual(['pause']);
    // Resumes once 4 frames are left: after 12 reads.
    for (let i = 0; i < 11; i++) await frames.next();
    expect(calls).toEqual(['pause']);
    await frames.next();
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('pauses its source at the byte limit', () => {
    const { frames, calls } = pausable();
    frames.push(new Uint8Array(999));
    expect(calls).toEqual([]);
    frames.push(new Uint8Array(1));
    expect(calls).toEqual(['pause']);
  });

  it('defaults each limit on its own', () => {
    const { frames, calls } = pausable({ maxBytes: 10 });
    // Past the 8 frames of LIMITS, under the default 4,096.
    for (let i = 0; i < 9; i++) frames.push(new Uint8Array(1));
    expect(calls).toEqual([]);
    frames.push(new Uint8Array(1));
    expect(calls).toEqual(['pause']);
    expect(DEFAULT_INBOUND_LIMITS).toEqual({ maxBytes: 16 * 1024 * 1024, maxFrames: 4096 });
  });

  it('hands a frame straight to a waiting consumer, in order', async () => {
    const { frames, calls } = pausable();
    const first = frames.next();
    frames.push(new Uint8Array([1]));
    frames.push(new Uint8Array([2]));
    expect(await first).toEqual({ done: false, value: new Uint8Array([1]) });
    expect(await frames.next()).toEqual({ done: false, value: new Uint8Array([2]) });
    expect(calls).toEqual([]);
  });

  it('yields what was queued before end(), then is done', async () => {
    const { frames } = pausable();
    frames.push(new Uint8Array([1]));
    frames.end();
    frames.push(new Uint8Array([2]));
    expect(await frames.next()).toEqual({ done: false, value: new Uint8Array([1]) });
    expect(await frames.next()).toEqual({ done: true, value: undefined });
  });

  it('ends a waiting consumer, and drops the unread frames on clear()', async () => {
    const { frames } = pausable();
    const waiting = frames.next();
    frames.end();
    expect(await waiting).toEqual({ done: true, value: undefined });

    const other = pausable().frames;
    other.push(new Uint8Array([1]));
    other.clear();
    expect(await other.next()).toEqual({ done: true, value: undefined });
  });

  it('resumes a paused source once when it ends, so that its reader sees the end', async () => {
    const { frames, calls } = pausable();
    for (let i = 0; i < 8; i++) frames.push(new Uint8Array(1));
    frames.end();
    for (let i = 0; i < 8; i++) await frames.next();
    expect(calls).toEqual(['pause', 'resume']);
  });
});

describe('FrameQueue with a source that cannot pause', () => {
  it('refuses the frame past the frame limit, keeping those queued', async () => {
    const frames = new FrameQueue(LIMITS);
    for (let i = 0; i < 8; i++) expect(frames.push(new Uint8Array([i]))).toBe(true);
    expect(frames.push(new Uint8Array([8]))).toBe(false);
    expect([frames.length, frames.bytes]).toEqual([8, 8]);
    expect(await frames.next()).toEqual({ done: false, value: new Uint8Array([0]) });
  });

  it('refuses the frame that would pass the byte limit', () => {
    const frames = new FrameQueue(LIMITS);
    expect(frames.push(new Uint8Array(600))).toBe(true);
    expect(frames.push(new Uint8Array(400))).toBe(true);
    expect(frames.push(new Uint8Array(1))).toBe(false);
  });

  it('always takes one frame, however large', () => {
    const frames = new FrameQueue(LIMITS);
    expect(frames.push(new Uint8Array(5000))).toBe(true);
    expect(frames.push(new Uint8Array(1))).toBe(false);
  });
});

describe('FrameQueue.iterator', () => {
  it('calls close when a for-await loop is left', async () => {
    const frames = new FrameQueue(undefined);
    let closed = 0;
    frames.push(new Uint8Array([1]));
    const iterable = { [Symbol.asyncIterator]: () => frames.iterator(async () => void closed++) };
    for await (const _ of iterable) break;
    expect(closed).toBe(1);
  });
});
