/** The high-water mark behind Transport.send's answer and Transport.drained [CLIENT-6]. */
import { describe, expect, it } from 'vitest';
import { WRITE_HIGH_WATER_BYTES, WriteGate } from '../../src/internal/index.js';

function gate(pollMs?: number) {
  const state = { buffered: 0 };
  const writes = new WriteGate({ buffered: () => state.buffered, highWaterBytes: 100, pollMs });
  return { state, writes };
}

describe('WriteGate', () => {
  it('is open under the mark and shut at it', () => {
    const { state, writes } = gate();
    state.buffered = 99;
    expect(writes.open).toBe(true);
    state.buffered = 100;
    expect(writes.open).toBe(false);
  });

  it('resolves drained() at once under the mark', async () => {
    const { writes } = gate();
    await writes.drained();
  });

  it('resolves drained() on the check that finds the bytes under the mark', async () => {
    const { state, writes } = gate();
    state.buffered = 150;
    const events: string[] = [];
    const drained = writes.drained().then(() => events.push('drained'));
    writes.check();
    state.buffered = 100;
    writes.check();
    await Promise.resolve();
    expect(events).toEqual([]);
    state.buffered = 50;
    writes.check();
    await drained;
    expect(events).toEqual(['drained']);
  });

  it('resolves every waiter on close, and later waits at once', async () => {
    const { state, writes } = gate();
    state.buffered = 150;
    const waiting = [writes.drained(), writes.drained()];
    writes.close();
    await Promise.all(waiting);
    expect(writes.open).toBe(true);
    await writes.drained();
  });

  it('looks again on its own when given a poll interval', async () => {
    const { state, writes } = gate(1);
    state.buffered = 150;
    const drained = writes.drained();
    state.buffered = 0;
    await drained;
  });

  it('has a mark of 1 MiB by default', () => {
    let buffered = WRITE_HIGH_WATER_BYTES - 1;
    const writes = new WriteGate({ buffered: () => buffered });
    expect(writes.open).toBe(true);
    buffered++;
    expect(writes.open).toBe(false);
  });
});
