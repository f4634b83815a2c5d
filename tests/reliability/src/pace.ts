/** Produces at a steady rate with a bounded window, as a well-behaved application does. */
import type { Producer } from '@ferry/node';
import { sleep } from './time.js';

export interface PaceResult {
  acked: number;
  /** The indices whose produce failed. */
  failed: number[];
}

/**
 * Sends `count` messages from `make(i)` at `perSecond`, spread over the producers in turn,
 * with at most `window` awaiting their acks; falls behind rather than queueing without bound.
 */
export async function pace(
  producers: readonly Producer[],
  count: number,
  perSecond: number,
  window: number,
  make: (i: number) => Uint8Array,
): Promise<PaceResult> {
  const result: PaceResult = { acked: 0, failed: [] };
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / perSecond;
    if (due > performance.now()) await sleep(due - performance.now());
    while (inFlight.size >= window) await Promise.race(inFlight);
    const producer = producers[i % producers.length] as Producer;
    const sent: Promise<void> = producer.produce(make(i), { key: `k${i % 64}` }).then(
      () => {
        result.acked++;
      },
      () => {
        result.failed.push(i);
      },
    );
    inFlight.add(sent);
    void sent.finally(() => inFlight.delete(sent));
  }
  await Promise.all(inFlight);
  return result;
}
