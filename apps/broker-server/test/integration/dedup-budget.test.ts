import type { Frame, ProduceResult } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import type { Requester } from '../support/requester.js';

const fixture = useBrokers();

/** Produces one message with `msgId`; its result (the original's offset when a duplicate). */
async function send(r: Requester, station: string, msgId: string): Promise<ProduceResult> {
  const messages = [{ payload: new TextEncoder().encode(msgId), msgId }];
  const reply: Frame = await r.request({ type: 'produce', station, messages });
  if (reply.type !== 'produceAck') throw new Error(`expected produceAck, got ${reply.type}`);
  return reply.results[0] as ProduceResult;
}

const stored = (offset: number) => ({ kind: 'ok', partition: 0, offset, duplicate: false });
const duplicate = (offset: number) => ({ kind: 'ok', partition: 0, offset, duplicate: true });

describe('the engine-wide dedup budget', () => {
  it('[LIMITS-6] --dedup-max-entries 4 over two stations forgets the oldest msgId first, and a restart keeps within it', async () => {
    const args = ['--dedup-max-entries', '4'];
    const first = await fixture.broker({ args });
    const { requests: r } = await fixture.connect(first);
    expect(await send(r, 'a', 'm1')).toEqual(stored(0));
    expect(await send(r, 'a', 'm2')).toEqual(stored(1));
    expect(await send(r, 'b', 'm3')).toEqual(stored(0));
    expect(await send(r, 'b', 'm4')).toEqual(stored(1));
    // The fifth msgId, in station b, pushes out the oldest of all: m1, in station a.
    expect(await send(r, 'b', 'm5')).toEqual(stored(2));
    expect(await send(r, 'a', 'm2')).toEqual(duplicate(1));
    expect(await send(r, 'b', 'm3')).toEqual(duplicate(0));
    // Forgotten within its window, so stored again (and remembered again, pushing out m2).
    expect(await send(r, 'a', 'm1')).toEqual(stored(2));

    await fixture.stop(first);
    const second = await fixture.broker({ dataDir: first.dataDir, args });
    const { requests: again } = await fixture.connect(second);
    // Rebuilt from the logs, within the bound: the newest msgIds are known, the oldest not.
    expect(await send(again, 'a', 'm1')).toEqual(duplicate(2));
    expect(await send(again, 'b', 'm5')).toEqual(duplicate(2));
    expect(await send(again, 'a', 'm2')).toEqual(stored(3));
  });
});
