/**
 * The cost of sizing deliveries by their encoded bytes [CONS-10], against the cost of encoding
 * the deliver frame they go in. Prints figures, never asserts.
 *
 *   npx tsx bench/delivery-sizing.ts [--seconds N]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { type DeliveredMessage, encodeFrame } from '@ferry/protocol';
import { deliveredSizeBound, FrameBudget, msgpackSizeBound } from '../src/broker/frame-budget.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '2' } } });
const seconds = Number(values.seconds);
const BATCH = 1000;

function batch(payloadBytes: number, headers: number): DeliveredMessage[] {
  return Array.from({ length: BATCH }, (_, i) => {
    const m: DeliveredMessage = {
      partition: 0,
      offset: 1_000_000 + i,
      timestamp: Date.now(),
      deliveryCount: 1,
      payload: new Uint8Array(payloadBytes),
      msgId: randomUUID(),
    };
    if (headers > 0)
      m.headers = Object.fromEntries(
        Array.from({ length: headers }, (_, h) => [`header-${h}`, `value-${h}`]),
      );
    return m;
  });
}

/** Nanoseconds per message of `work` over a batch, run for the given time. */
function nsPerMessage(work: () => void): number {
  const until = performance.now() + seconds * 1000;
  let runs = 0;
  const start = performance.now();
  while (performance.now() < until) {
    work();
    runs++;
  }
  return ((performance.now() - start) * 1e6) / (runs * BATCH);
}

let sink = 0;
for (const [payloadBytes, headers] of [
  [128, 0],
  [128, 3],
  [1024, 3],
] as const) {
  const messages = batch(payloadBytes, headers);
  const frame = { type: 'deliver' as const, sid: 1, messages };
  const payloadOnly = nsPerMessage(() => {
    for (const m of messages) sink += m.payload.length;
  });
  const hotPath = nsPerMessage(() => {
    const budget = new FrameBudget(9 * 1024 * 1024);
    for (const m of messages) if (budget.take(deliveredSizeBound(m))) sink++;
  });
  const generic = nsPerMessage(() => {
    for (const m of messages) sink += msgpackSizeBound(m);
  });
  const encode = nsPerMessage(() => {
    sink += encodeFrame(frame).length;
  });
  console.log(
    JSON.stringify({
      payloadBytes,
      headers,
      nsPerMessage: {
        payloadOnly: +payloadOnly.toFixed(1),
        deliveredSizeBound: +hotPath.toFixed(1),
        msgpackSizeBound: +generic.toFixed(1),
        encodeFrame: +encode.toFixed(1),
      },
      sizingShareOfEncode: `${((100 * (hotPath - payloadOnly)) / encode).toFixed(1)}%`,
    }),
  );
}
if (sink < 0) console.log(sink);
