/** The bounded queue between a socket and a transport's iterator. */
import { describe, expect, it } from 'vitest';
import { FrameQueue, HIGH_WATER_BYTES, HIGH_WATER_FRAMES } from '../src/frame-queue.js';

function queue() {
  const calls: string[] = [];
  const frames = new FrameQueue({
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
  });
  return { frames, calls };
}

describe('FrameQueue', () => {
  it('pauses its source at the frame high-water mark and resumes it at half', async () => {
    const { frames, calls } = queue();
    for (let i = 0; i < HIGH_WATER_FRAMES * 2; i++) frames.push(new Uint8Array([i % 256]));
    expect(calls).toEqual(['pause']);
    for (let i = 0; i < HIGH_WATER_FRAMES * 2 - HIGH_WATER_FRAMES / 2 - 1; i++) await frames.next();
    expect(calls).toEqual(['pause']);
    await frames.next();
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('pauses its source at the byte high-water mark', () => {
    const { frames, calls } = queue();
    frames.push(new Uint8Array(HIGH_WATER_BYTES - 1));
    expect(calls).toEqual([]);
    frames.push(new Uint8Array(1));
    expect(calls).toEqual(['pause']);
  });

  it('hands a frame straight to a waiting consumer, in order', async () => {
    const { frames, calls } = queue();
    const first = frames.next();
    frames.push(new Uint8Array([1]));
    frames.push(new Uint8Array([2]));
    expect(await first).toEqual({ done: false, value: new Uint8Array([1]) });
    expect(await frames.next()).toEqual({ done: false, value: new Uint8Array([2]) });
    expect(calls).toEqual([]);
  });

  it('yields what was queued before end(), then is done', async () => {
    const { frames } = queue();
    frames.push(new Uint8Array([1]));
    frames.end();
    frames.push(new Uint8Array([2]));
    expect(await frames.next()).toEqual({ done: false, value: new Uint8Array([1]) });
    expect(await frames.next()).toEqual({ done: true, value: undefined });
  });

  it('ends a waiting consumer, and drops the unread frames on clear()', async () => {
    const { frames } = queue();
    const waiting = frames.next();
    frames.end();
    expect(await waiting).toEqual({ done: true, value: undefined });

    const other = queue().frames;
    other.push(new Uint8Array([1]));
    other.clear();
    expect(await other.next()).toEqual({ done: true, value: undefined });
  });

  it('does not resume a source once ended', async () => {
    const { frames, calls } = queue();
    for (let i = 0; i < HIGH_WATER_FRAMES; i++) frames.push(new Uint8Array(1));
    frames.end();
    for (let i = 0; i < HIGH_WATER_FRAMES; i++) await frames.next();
    expect(calls).toEqual(['pause']);
  });
});
