/**
 * Codec throughput: encode and decode rates of a produce frame and a deliver
 * frame of 100 messages x 128 B, in messages per second on one core.
 * Run: pnpm --filter @ferry/protocol bench [-- --json] [-- --seconds N]
 */
import { decodeFrame, encodeFrame, type Frame } from '../src/index.js';

const MESSAGES = 100;
const PAYLOAD = 128;
const args = process.argv.slice(2);
const json = args.includes('--json');
const seconds = Number(args[args.indexOf('--seconds') + 1] ?? 2) || 2;

const payload = () => Uint8Array.from({ length: PAYLOAD }, (_, i) => i & 0xff);
const now = Date.now();

const produce: Frame = {
  type: 'produce',
  id: 1,
  station: 'orders',
  messages: Array.from({ length: MESSAGES }, (_, i) => ({
    payload: payload(),
    key: `customer-${i % 10}`,
  })),
};

const deliver: Frame = {
  type: 'deliver',
  sid: 1,
  messages: Array.from({ length: MESSAGES }, (_, i) => ({
    partition: i % 3,
    offset: 1_000_000 + i,
    timestamp: now + i,
    deliveryCount: 1,
    payload: payload(),
  })),
};

/** Runs `fn` for about `seconds` (after a warm-up) and returns calls per second. */
function rate(fn: () => unknown): number {
  const deadline = performance.now() + 300;
  while (performance.now() < deadline) fn();
  let calls = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let t = start;
  while (t < end) {
    for (let i = 0; i < 100; i++) fn();
    calls += 100;
    t = performance.now();
  }
  return calls / ((t - start) / 1000);
}

const rows = [];
for (const [name, frame] of [
  ['produce', produce],
  ['deliver', deliver],
] as const) {
  const body = encodeFrame(frame);
  const encodeRate = rate(() => encodeFrame(frame));
  const decodeRate = rate(() => decodeFrame(body));
  for (const [op, perSecond] of [
    ['encode', encodeRate],
    ['decode', decodeRate],
  ] as const) {
    rows.push({
      frame: name,
      op,
      frameBytes: body.length,
      framesPerSec: Math.round(perSecond),
      msgsPerSec: Math.round(perSecond * MESSAGES),
      mbPerSec: Number(((perSecond * body.length) / 1e6).toFixed(1)),
    });
  }
}

const rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
if (json) {
  console.log(
    JSON.stringify(
      { messagesPerFrame: MESSAGES, payloadBytes: PAYLOAD, node: process.version, rssMb, rows },
      null,
      2,
    ),
  );
} else {
  console.log(
    `codec: frames of ${MESSAGES} messages x ${PAYLOAD} B, one core, node ${process.version}`,
  );
  console.log('frame    op      bytes/frame   frames/s     msgs/s        MB/s');
  for (const r of rows) {
    console.log(
      `${r.frame.padEnd(8)} ${r.op.padEnd(7)} ${String(r.frameBytes).padStart(11)} ${String(r.framesPerSec).padStart(10)} ${r.msgsPerSec.toLocaleString('en-US').padStart(12)} ${String(r.mbPerSec).padStart(11)}`,
    );
  }
  console.log(`peak RSS ${rssMb} MB`);
}
