import { describe, expect, it } from 'vitest';
import type { OutboundQueue } from '../../src/server/outbound.js';
import { BACKLOG_SLICE, MAX_REQUESTS_IN_FLIGHT, ReadGate } from '../../src/server/read-gate.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A gate over a fake transport whose requests all stay in flight until finished by hand. */
function gate() {
  const handled: number[] = [];
  const reading = { pauses: 0, resumes: 0 };
  let closed = false;
  const outbound = {
    held: false,
    watchStall() {},
    drained: () => Promise.resolve(),
  } as unknown as OutboundQueue;
  const g = new ReadGate({
    reading: { pause: () => reading.pauses++, resume: () => reading.resumes++ },
    outbound,
    handle: (body) => handled.push(body[0] ?? -1, body[1] ?? -1),
    open: () => true,
    closed: () => closed,
  });
  const frame = (n: number) => new Uint8Array([n >> 8, n & 0xff]);
  return {
    g,
    reading,
    frame,
    handledFrames: () => handled.length / 2,
    close: () => {
      closed = true;
      g.clear();
    },
  };
}

describe('read gate', () => {
  it('[LIMITS-5] past the requests in flight it stops reading; the backlog is handled a slice per turn of the event loop, in order, then reading resumes', async () => {
    const { g, reading, frame, handledFrames } = gate();
    for (let i = 0; i < MAX_REQUESTS_IN_FLIGHT; i++) g.requestStarted();
    g.receive(frame(0));
    expect(reading.pauses).toBe(1);
    const backlog = BACKLOG_SLICE * 5 + 3;
    for (let n = 1; n <= backlog; n++) g.receive(frame(n));
    expect(handledFrames()).toBe(1);

    g.requestFinished();
    expect(handledFrames()).toBe(1); // nothing handled in the caller's turn
    await nextTurn();
    expect(handledFrames()).toBe(1 + BACKLOG_SLICE);
    expect(reading.resumes).toBe(0);
    while (reading.resumes === 0) await nextTurn();
    expect(handledFrames()).toBe(1 + backlog);
  });

  it('[LIMITS-5] a connection that closes with a backlog drops it', async () => {
    const { g, frame, handledFrames, close, reading } = gate();
    for (let i = 0; i < MAX_REQUESTS_IN_FLIGHT; i++) g.requestStarted();
    g.receive(frame(0));
    for (let n = 1; n <= BACKLOG_SLICE * 10; n++) g.receive(frame(n));
    g.requestFinished();
    await nextTurn();
    close();
    for (let i = 0; i < 5; i++) await nextTurn();
    expect(handledFrames()).toBe(1 + BACKLOG_SLICE);
    expect(reading.resumes).toBe(0);
  });
});
